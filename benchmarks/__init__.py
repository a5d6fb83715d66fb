"""Benchmarks of extendpipe: `python -m benchmarks [--quick]` from the repository root (see run.py)."""
