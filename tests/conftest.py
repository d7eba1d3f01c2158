"""Shared pytest fixtures (keep this file small: most tests need none)."""

from __future__ import annotations

from pathlib import Path

import pytest

REPO_ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def repo_root() -> Path:
    """The repository's top directory (examples/, docs/ and tests/ hang off it)."""
    return REPO_ROOT
