"""Fixtures for emulator tests."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

# Test modules import `emulator_helpers` by name; keep that working under --import-mode=importlib too.
if str(Path(__file__).parent) not in sys.path:
    sys.path.insert(0, str(Path(__file__).parent))

from emulator_helpers import Api  # noqa: E402


@pytest.fixture
def api(emulator):
    """A JSON client for the `emulator` fixture (key test-key), closed after the test."""
    client = Api(emulator.url)
    try:
        yield client
    finally:
        client.close()
