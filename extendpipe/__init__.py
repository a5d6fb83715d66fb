"""extendpipe: a declarative, YAML-driven pipeline runner for the Extend document-processing API."""

__version__ = "0.1.0"
