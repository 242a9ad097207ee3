"""Store test fixtures (the database fixtures themselves are in tests/conftest.py)."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session
from store_helpers import new_account

from gridarena.store.models import Account


@pytest.fixture
def account(db_session: Session) -> Account:
    """Return a fresh account (rolled back after the test)."""
    return new_account(db_session)
