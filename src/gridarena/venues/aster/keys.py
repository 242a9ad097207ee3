"""One lock and one stamp sequence per signing key, shared by every venue using that key.

Signed calls of one key are serialised so that V1 timestamps never go backwards and V3 nonces
strictly increase in the order the venue receives them (Aster keeps the last 100 nonces of an
agent and refuses one below their minimum). Two venue objects built with the same key share
this state, so they cannot race each other either.
"""

from __future__ import annotations

import asyncio
import threading
import weakref


class KeyState:
    """The last stamp issued for a key and its per-event-loop asyncio locks."""

    def __init__(self) -> None:
        self.last = 0
        self._guard = threading.Lock()
        self._locks: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, asyncio.Lock] = (
            weakref.WeakKeyDictionary()
        )

    def next_stamp(self, now: int, *, strict: bool) -> int:
        """Return ``now``, raised to keep the sequence monotonic (strictly if ``strict``)."""
        with self._guard:
            floor = self.last + 1 if strict else self.last
            stamp = max(now, floor)
            self.last = stamp
            return stamp

    def lock(self) -> asyncio.Lock:
        """Return this key's lock for the running event loop."""
        loop = asyncio.get_running_loop()
        with self._guard:
            found = self._locks.get(loop)
            if found is None:
                found = self._locks[loop] = asyncio.Lock()
            return found


_STATES: dict[str, KeyState] = {}
_STATES_GUARD = threading.Lock()


def key_state(key_id: str) -> KeyState:
    """Return the shared state of the key named ``key_id``."""
    with _STATES_GUARD:
        state = _STATES.get(key_id)
        if state is None:
            state = _STATES[key_id] = KeyState()
        return state
