"""Binance's error envelope ``{"code": -2011, "msg": "Unknown order sent."}`` and its HTTP status.

The simulator raises the venue error classes with Binance codes; this module turns them (and the
facade's own request checks) into the exact texts Binance sends, so that clients such as ccxt
map them onto the same exception classes they would raise against the real venue.
"""

from __future__ import annotations

from decimal import Decimal

from gridarena.venues.errors import VenueError

# Binance's own wording for codes the simulator raises with a descriptive message of its own.
MESSAGES: dict[int, str] = {
    -1111: "Precision is over the maximum defined for this asset.",
    -1121: "Invalid symbol.",
    -2011: "Unknown order sent.",
    -2013: "Order does not exist.",
    -2019: "Margin is insufficient.",
    -2021: "Order would immediately trigger.",
    -2022: "ReduceOnly Order is rejected.",
    -4003: "Quantity less than or equal to zero.",
    -4005: "Quantity greater than max quantity.",
    -4014: "Price not increased by tick size.",
    -4046: "No need to change margin type.",
    -4047: "Margin type cannot be changed if there exists open orders.",
    -4048: "Margin type cannot be changed if there exists position.",
    -4116: "ClientOrderId is duplicated.",
    -5022: (
        "Due to the order could not be executed as maker, the Post Only order will be rejected."
    ),
}

UNKNOWN_STATUS_MSG = "Unknown error, please check your request or try again later."
SERVICE_UNAVAILABLE_MSG = "Service Unavailable."
INTERNAL_ERROR_MSG = "Internal error; unable to process your request. Please try again."


class BinanceError(Exception):
    """A refusal sent to the client as Binance's JSON error body with an HTTP status."""

    def __init__(
        self,
        code: int,
        msg: str,
        *,
        status: int = 400,
        headers: dict[str, str] | None = None,
    ) -> None:
        super().__init__(f"{code}: {msg}")
        self.code = code
        self.msg = msg
        self.status = status
        self.headers = headers or {}

    def body(self) -> dict[str, object]:
        """Return the JSON body Binance sends."""
        return {"code": self.code, "msg": self.msg}


def from_venue(exc: VenueError, min_notional: Decimal | None = None) -> BinanceError:
    """Translate a simulator refusal into Binance's wire error (HTTP 400 for every order error)."""
    code = exc.code if isinstance(exc.code, int) else -1000
    if code == -2015:
        return invalid_key()
    if code == -4164:
        floor = f"{min_notional.normalize():f}" if min_notional is not None else "5"
        msg = f"Order's notional must be no smaller than {floor} (unless you choose reduce only)."
        return BinanceError(code, msg)
    return BinanceError(code, MESSAGES.get(code, str(exc)))


def missing(name: str) -> BinanceError:
    """Return -1102 for a mandatory parameter that was not sent."""
    return BinanceError(
        -1102, f"Mandatory parameter '{name}' was not sent, was empty/null, or malformed."
    )


def illegal(name: str, legal: str = "^([0-9]{1,20})(\\.[0-9]{1,20})?$") -> BinanceError:
    """Return -1100 for a parameter whose characters are not allowed."""
    return BinanceError(
        -1100, f"Illegal characters found in parameter '{name}'; legal range is '{legal}'."
    )


def invalid_key() -> BinanceError:
    """Return -2015 (HTTP 401): the API key is unknown."""
    return BinanceError(-2015, "Invalid API-key, IP, or permissions for action.", status=401)


def bad_signature() -> BinanceError:
    """Return -1022: the HMAC does not match the parameters."""
    return BinanceError(-1022, "Signature for this request is not valid.")
