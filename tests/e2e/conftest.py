"""Session-wide fixtures. The helpers the tests share are in tests/support."""

from __future__ import annotations

import os

import pytest


@pytest.fixture(scope="session", autouse=True)
def _no_tracking():
    os.environ["DO_NOT_TRACK"] = "1"
