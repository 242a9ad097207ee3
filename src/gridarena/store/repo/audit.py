"""Audit log of API requests, with secrets masked before anything is stored."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any, Final

from pydantic import SecretBytes, SecretStr
from sqlalchemy import select
from sqlalchemy.orm import Session

from gridarena.obs.logging import MASK, is_secret_key, scrub_text
from gridarena.store.models import AuditEntry
from gridarena.store.repo._common import json_ready, now_or

__all__ = ["add_audit", "audit_entries", "mask_secrets"]

_MAX_DEPTH: Final = 8


def mask_secrets(value: Any, *, _depth: int = 0) -> Any:
    """Return a JSON-ready copy of ``value`` with anything secret-looking replaced by ``***``.

    Keys that name a secret (api_key, secret, token, signature, password, authorization...,
    any case, any depth) lose their value; secret-looking fragments inside text (URL
    passwords, ``signature=...``, Bearer tokens) are scrubbed; SecretStr becomes ``***``.
    """
    if isinstance(value, SecretStr | SecretBytes):
        return MASK
    if isinstance(value, str):
        return scrub_text(value)
    if isinstance(value, Mapping | list | tuple | set) and _depth >= _MAX_DEPTH:
        return MASK
    if isinstance(value, Mapping):
        return {
            str(key): MASK
            if is_secret_key(str(key)) and item is not None
            else mask_secrets(item, _depth=_depth + 1)
            for key, item in value.items()
        }
    if isinstance(value, list | tuple | set):
        return [mask_secrets(item, _depth=_depth + 1) for item in value]
    return value


def add_audit(
    session: Session,
    *,
    actor: str,
    method: str,
    path: str,
    status: int,
    request_id: str | None = None,
    summary: Mapping[str, Any] | None = None,
    at: datetime | None = None,
) -> AuditEntry:
    """Append an audit row; secrets in ``summary`` and in the path's query are masked.

    Pass a short summary of what was done, never a raw request body.
    """
    entry = AuditEntry(
        ts=now_or(at),
        # Truncated, not refused: an audit row must never fail on a long path.
        actor=scrub_text(actor)[:128],
        method=method.upper()[:16],
        path=scrub_text(path)[:512],
        status=status,
        request_id=request_id[:64] if request_id is not None else None,
        summary=json_ready(mask_secrets(summary)) if summary is not None else None,
    )
    session.add(entry)
    session.flush()
    return entry


def audit_entries(session: Session, *, limit: int = 100) -> list[AuditEntry]:
    """Return the newest audit rows, newest first."""
    stmt = select(AuditEntry).order_by(AuditEntry.ts.desc(), AuditEntry.id.desc()).limit(limit)
    return list(session.scalars(stmt))
