"""Client order ids are deterministic and fit every venue's format."""

import re

from hypothesis import given
from hypothesis import strategies as st

from gridarena.execution.client_ids import (
    WHOLE_POSITION,
    client_order_id,
    hyperliquid_cloid,
    session_tag,
)

BINANCE = re.compile(r"^[.A-Z:/a-z0-9_-]{1,36}$")  # Binance and Aster
ORDERLY = re.compile(r"^.{1,36}$")
HYPERLIQUID = re.compile(r"^0x[0-9a-f]{32}$")  # 128-bit hex cloid


@given(
    account=st.text(min_size=1, max_size=64),
    session=st.text(min_size=1, max_size=64),
    slot=st.integers(-1, 499),
    cycle=st.integers(0, 10**9),
)
def test_client_order_id_when_any_inputs_then_fits_every_venue_and_is_stable(
    account: str, session: str, slot: int, cycle: int
) -> None:
    cid = client_order_id(account, session, slot, cycle)
    assert BINANCE.match(cid)
    assert ORDERLY.match(cid)
    assert HYPERLIQUID.match(hyperliquid_cloid(cid))
    assert cid == client_order_id(account, session, slot, cycle)


def test_client_order_id_when_inputs_differ_then_ids_differ() -> None:
    ids = {client_order_id("a", "s", slot, cycle) for slot in range(50) for cycle in range(20)}
    ids |= {client_order_id("a", "s2", 0, 0), client_order_id("b", "s", 0, 0)}
    assert len(ids) == 50 * 20 + 2
    assert client_order_id("a", "s", WHOLE_POSITION, 1).split("-")[2] == "x"
    assert session_tag("a", "s") != session_tag("a", "s2")
