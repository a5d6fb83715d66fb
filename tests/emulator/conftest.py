"""Fixtures for emulator tests."""

from __future__ import annotations

import pytest
from emulator_helpers import Api


@pytest.fixture
def api(emulator):
    """A JSON client for the `emulator` fixture (key test-key), closed after the test."""
    client = Api(emulator.url)
    try:
        yield client
    finally:
        client.close()
