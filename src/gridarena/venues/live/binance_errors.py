"""Binance USD-M error codes mapped onto our error families (the table `errormap` reads).

Codes are Binance's ``{"code": -2011, "msg": ...}``; HTTP 429/418 and 5xx are decided by status
before this table is consulted.
"""

from __future__ import annotations

from gridarena.venues.errors import (
    AuthenticationError,
    DuplicateClientOrderId,
    InsufficientMargin,
    OrderNotFound,
    OrderRejected,
    PermanentVenueError,
    PostOnlyWouldTake,
    RateLimited,
    ReduceOnlyRejected,
)
from gridarena.venues.live.errormap import UNAVAILABLE, ErrorTable, Kind

# Order filters and malformed parameters: the order as sent can never be accepted.
_FILTERS = (
    "-1013",  # filter failure
    "-1100",  # illegal characters
    "-1102",  # mandatory parameter missing
    "-1106",  # parameter not required
    "-1111",  # precision over the maximum for this asset
    "-1115",  # invalid timeInForce
    "-1116",  # invalid orderType
    "-1117",  # invalid side
    "-1121",  # invalid symbol
    "-1130",  # invalid value
    "-1136",  # invalid newOrderRespType
    "-2021",  # order would immediately trigger
    "-4003",  # quantity less than or equal to zero
    "-4005",  # quantity greater than max quantity
    "-4014",  # price not increased by tick size
    "-4028",  # invalid leverage
    "-4061",  # position side does not match
    "-4137",  # closePosition with a quantity
    "-4164",  # notional below the minimum
)

CODES: dict[str, Kind] = {
    "-1000": UNAVAILABLE,  # unknown error; please check your request
    "-1001": UNAVAILABLE,  # disconnected / internal error
    "-1006": UNAVAILABLE,  # unexpected response; execution status unknown
    "-1007": UNAVAILABLE,  # timeout waiting for the backend; execution status unknown
    "-1008": UNAVAILABLE,  # server overloaded
    "-1003": RateLimited,  # too many requests
    "-1015": RateLimited,  # too many new orders
    "-1002": AuthenticationError,  # unauthorized
    "-1021": AuthenticationError,  # timestamp outside recvWindow
    "-1022": AuthenticationError,  # signature not valid
    "-2014": AuthenticationError,  # API key format invalid
    "-2015": AuthenticationError,  # invalid API key, IP or permissions
    "-2011": OrderNotFound,  # unknown order sent (cancel)
    "-2013": OrderNotFound,  # order does not exist (query)
    "-4116": DuplicateClientOrderId,
    "-2018": InsufficientMargin,  # balance insufficient
    "-2019": InsufficientMargin,  # margin insufficient
    "-5022": PostOnlyWouldTake,
    "-2022": ReduceOnlyRejected,
    "-4046": PermanentVenueError,  # no need to change margin type
    "-4047": PermanentVenueError,  # margin type cannot change with open orders
    "-4048": PermanentVenueError,  # margin type cannot change with a position
    **dict.fromkeys(_FILTERS, OrderRejected),
}

MESSAGES: tuple[tuple[str, Kind], ...] = (
    ("execution status unknown", UNAVAILABLE),
    ("Unknown order sent", OrderNotFound),
    ("Order does not exist", OrderNotFound),
)

TABLE = ErrorTable("binanceusdm", CODES, MESSAGES)

NO_CHANGE = frozenset({"-4046"})  # set_margin_mode to the mode already set
