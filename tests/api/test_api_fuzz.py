"""Schemathesis over the OpenAPI schema: no 5xx, every answer matches its documented schema.

Each operation is fuzzed with an engine attached (a recording TradingControl) and an admin
key, on SQLite and Postgres. Hypothesis drives schemathesis' strategies directly (its pytest
loader predates this pytest). Kill switches the fuzzer engages are released afterwards:
the database is shared by the test session.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from api_control_fake import RecordingControl
from api_support import NOW, Keys, make_app, make_keys, seed_world
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from gridarena.api import create_app
from gridarena.store.engine import make_engine, session_factory, transaction
from gridarena.store.models import KillSwitch

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
MAX_EXAMPLES = 15
# Streams never end by themselves; they are tested in test_api_stream.py.
SKIPPED = {"/stream"}


def _operations() -> list[tuple[str, str]]:
    engine = make_engine("sqlite://")
    try:
        spec = create_app(session_factory=session_factory(engine)).openapi()
    finally:
        engine.dispose()
    return [
        (method.upper(), path)
        for path, item in spec["paths"].items()
        for method in item
        if path not in SKIPPED
    ]


@pytest.fixture
def fuzz_keys(db_factory: sessionmaker[Session]) -> Iterator[Keys]:
    """Yield keys for the fuzzer; release every kill switch it engaged afterwards."""
    seed_world(db_factory)  # so that some generated names resolve to something
    yield make_keys(db_factory)
    with transaction(db_factory) as session:
        session.execute(update(KillSwitch).values(active=False))


@pytest.mark.parametrize(("method", "path"), _operations())
def test_operation_when_fuzzed_then_no_server_error_and_responses_match_schema(
    db_factory: sessionmaker[Session], fuzz_keys: Keys, method: str, path: str
) -> None:
    app = make_app(db_factory, control=RecordingControl(db_factory, NOW))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    operation = schema[path][method]
    headers = fuzz_keys.headers("admin")

    strategy = operation.as_strategy(GenerationMode.POSITIVE) | operation.as_strategy(
        GenerationMode.NEGATIVE
    )

    @given(case=strategy)
    @settings(
        max_examples=MAX_EXAMPLES,
        deadline=None,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    def fuzz(case: Any) -> None:
        case.call_and_validate(headers=headers, checks=CHECKS)

    fuzz()
