"""The event bus and the live stream: SSE over a real server, WebSocket, slow clients."""

from __future__ import annotations

import asyncio
import json
import threading
import time
from collections.abc import Iterator
from decimal import Decimal

import httpx
import pytest
from api_support import Keys, make_app
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session, sessionmaker
from starlette.websockets import WebSocketDisconnect

from gridarena.api.app import api_state
from gridarena.api.events import EventBus
from gridarena.api.routes.stream import closed_stream
from gridarena.venues.facade.server import Running, serve_in_thread


async def test_bus_when_subscriber_slow_then_oldest_events_dropped_and_counted() -> None:
    bus = EventBus(queue_size=3)
    sub = bus.subscribe()

    for n in range(5):
        bus.publish("fill", {"n": n})

    received = [(await sub.next(timeout=0.1)) for _ in range(3)]
    assert [e.data["n"] for e in received if e is not None] == [2, 3, 4]
    assert (sub.dropped, bus.dropped) == (2, 2)
    assert await sub.next(timeout=0.01) is None


async def test_bus_when_topics_chosen_then_only_those_delivered() -> None:
    bus = EventBus()
    sub = bus.subscribe({"order"})

    bus.publish("fill", {"n": 1})
    bus.publish("order", {"n": 2})

    event = await sub.next(timeout=0.1)
    assert event is not None
    assert (event.topic, event.data) == ("order", {"n": 2})


async def test_bus_when_published_from_another_thread_then_delivered_on_subscriber_loop() -> None:
    bus = EventBus()
    sub = bus.subscribe()

    thread = threading.Thread(target=lambda: bus.publish("equity", {"equity": Decimal("1.5")}))
    thread.start()
    thread.join()

    event = await sub.next(timeout=1.0)
    assert event is not None
    assert event.data == {"equity": Decimal("1.5")}


async def test_bus_when_resubscribing_after_id_then_missed_events_replayed() -> None:
    bus = EventBus()
    first = bus.publish("fill", {"n": 1})
    bus.publish("fill", {"n": 2})
    bus.publish("order", {"n": 3})

    sub = bus.subscribe({"fill"}, after_id=first.id)

    event = await sub.next(timeout=0.1)
    assert event is not None
    assert event.data == {"n": 2}
    assert await sub.next(timeout=0.01) is None


def test_bus_when_topic_unknown_then_value_error() -> None:
    with pytest.raises(ValueError, match="unknown topic"):
        EventBus().publish("gossip", {})


@pytest.fixture
def served(db_factory: sessionmaker[Session]) -> Iterator[tuple[Running, FastAPI]]:
    app = make_app(db_factory)
    with serve_in_thread(app) as running:
        yield running, app


def _publish_when_subscribed(app: FastAPI, events: list[tuple[str, dict[str, object]]]) -> None:
    bus = api_state(app).bus
    deadline = time.monotonic() + 5
    while bus.subscribers == 0 and time.monotonic() < deadline:
        time.sleep(0.005)
    for topic, data in events:
        bus.publish(topic, data)


def test_sse_when_events_published_then_client_receives_them_in_order(
    served: tuple[Running, FastAPI], keys: Keys
) -> None:
    running, app = served
    publisher = threading.Thread(
        target=_publish_when_subscribed,
        args=(app, [("fill", {"qty": Decimal("0.1")}), ("decision", {"id": 7})]),
    )
    publisher.start()
    lines: list[str] = []
    with httpx.stream(
        "GET",
        f"{running.base_url}/stream",
        params={"limit": 2},
        headers=keys.headers("read"),
        timeout=10,
    ) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in response.iter_lines() if line]
    publisher.join()

    events = [line for line in lines if line.startswith(("event:", "data:"))]
    assert events[0] == "event: fill"
    assert json.loads(events[1].removeprefix("data: "))["data"] == {"qty": "0.1"}
    assert events[2] == "event: decision"
    assert api_state(app).bus.subscribers == 0


def test_sse_when_no_key_or_bad_topic_then_401_or_422(
    served: tuple[Running, FastAPI], keys: Keys
) -> None:
    running, _ = served

    anonymous = httpx.get(f"{running.base_url}/stream", timeout=5)
    bad = httpx.get(
        f"{running.base_url}/stream",
        params={"topics": "fill,gossip"},
        headers=keys.headers("read"),
        timeout=5,
    )

    assert anonymous.status_code == 401
    assert (bad.status_code, bad.json()["error"]["field"]) == (422, "topics")


def test_websocket_when_authorized_then_receives_published_events(
    db_factory: sessionmaker[Session], keys: Keys
) -> None:
    app = make_app(db_factory)
    with (
        TestClient(app) as client,
        client.websocket_connect("/ws?topics=order", headers=keys.headers("read")) as ws,
    ):
        publisher = threading.Thread(
            target=_publish_when_subscribed,
            args=(app, [("fill", {"n": 1}), ("order", {"n": 2})]),
        )
        publisher.start()
        message = json.loads(ws.receive_text())
        publisher.join()

    assert (message["topic"], message["data"]) == ("order", {"n": 2})


def test_websocket_when_no_key_then_closed_with_policy_violation(
    db_factory: sessionmaker[Session],
) -> None:
    app = make_app(db_factory)
    with (
        TestClient(app) as client,
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws") as ws,
    ):
        ws.receive_text()

    assert closed.value.code == 1008


def test_stream_when_client_too_slow_then_drops_counted_in_metrics(
    db_factory: sessionmaker[Session],
) -> None:
    bus = EventBus(queue_size=2)
    app = make_app(db_factory, bus=bus)
    state = api_state(app)

    async def overflow() -> None:
        sub = bus.subscribe()
        for n in range(5):
            bus.publish("fill", {"n": n})
        closed_stream(state, sub)  # what /stream and /ws do when the client leaves

    asyncio.run(overflow())
    with TestClient(app) as client:
        text = client.get("/metrics").text

    assert "gridarena_api_stream_events_dropped_total 3.0" in text
    assert "gridarena_api_stream_clients 0.0" in text
