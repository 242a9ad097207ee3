"""Portfolio monitors: daily loss, global daily loss, trailing drawdown, exposure, profit target.

`PortfolioMonitor` is pure: the caller passes each account's equity and gross notional with
the current time, and receives the state transitions to act on (halt and flatten, stop
opening, resume). No clock, no I/O; money is `Decimal`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from gridarena.config.trading import RiskSettings
from gridarena.risk.calendar import DayBoundary
from gridarena.risk.types import AccountState, ReasonCode

__all__ = [
    "AccountSample",
    "AccountStatus",
    "MonitorLimits",
    "PortfolioMonitor",
    "Transition",
]

_SEVERITY = {AccountState.ACTIVE: 0, AccountState.REDUCING: 1, AccountState.HALTED: 2}
_SNAPSHOT_VERSION = 1


def _positive(name: str, value: Decimal | None) -> None:
    if value is not None and (not value.is_finite() or value <= 0):
        raise ValueError(f"{name} must be a positive finite amount, got {value}")


@dataclass(frozen=True, slots=True)
class MonitorLimits:
    """Limits of the portfolio monitors; `None` switches a monitor off.

    Amounts are in quote currency. `trailing_drawdown_pct` is in percent of the equity peak;
    `max_total_exposure` is gross notional as a multiple of equity, and an account above it
    resumes opening only below `exposure_resume_ratio × cap`.
    """

    daily_loss: Decimal | None = None
    global_daily_loss: Decimal | None = None
    trailing_drawdown: Decimal | None = None
    trailing_drawdown_pct: Decimal | None = None
    max_total_exposure: Decimal | None = None
    exposure_resume_ratio: Decimal = Decimal("0.9")
    daily_profit_target: Decimal | None = None
    day_start: DayBoundary = field(default_factory=DayBoundary)

    def __post_init__(self) -> None:
        for name in (
            "daily_loss",
            "global_daily_loss",
            "trailing_drawdown",
            "trailing_drawdown_pct",
            "max_total_exposure",
            "daily_profit_target",
        ):
            _positive(name, getattr(self, name))
        if self.trailing_drawdown_pct is not None and self.trailing_drawdown_pct >= 100:
            raise ValueError("trailing_drawdown_pct must be below 100")
        ratio = self.exposure_resume_ratio
        if not ratio.is_finite() or not 0 < ratio <= 1:
            raise ValueError(f"exposure_resume_ratio must be in (0, 1], got {ratio}")

    @classmethod
    def from_settings(
        cls,
        risk: RiskSettings,
        *,
        global_daily_loss: Decimal | None = None,
        trailing_drawdown_pct: Decimal | None = None,
        exposure_resume_ratio: Decimal = Decimal("0.9"),
        day_start: DayBoundary | str | int | None = None,
    ) -> MonitorLimits:
        """Build the limits from `risk`; the trading day starts at midnight in its time zone."""
        boundary = DayBoundary(risk.session_timezone) if day_start is None else day_start
        return cls(
            daily_loss=risk.max_daily_loss,
            global_daily_loss=global_daily_loss,
            trailing_drawdown=risk.trailing_drawdown,
            trailing_drawdown_pct=trailing_drawdown_pct,
            max_total_exposure=risk.max_total_exposure,
            exposure_resume_ratio=exposure_resume_ratio,
            daily_profit_target=risk.daily_profit_target,
            day_start=DayBoundary.parse(boundary),
        )


@dataclass(frozen=True, slots=True)
class AccountSample:
    """One account's marked-to-market equity and gross notional of its positions."""

    account: str
    equity: Decimal
    gross_notional: Decimal = Decimal(0)


@dataclass(frozen=True, slots=True)
class Transition:
    """An account changed state; `flatten` asks the engine to close every position now."""

    account: str
    from_state: AccountState
    to_state: AccountState
    reason: ReasonCode
    flatten: bool
    at_ms: int
    detail: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class AccountStatus:
    """What the monitor knows of one account, for APIs and dashboards."""

    account: str
    state: AccountState
    reason: ReasonCode | None
    since_ms: int
    sticky: bool
    day: date | None
    day_start_equity: Decimal | None
    equity: Decimal
    peak: Decimal
    gross_notional: Decimal


@dataclass(slots=True)
class _Book:
    """Mutable per-account memory; the latches say which monitors currently hold it."""

    day: date | None
    day_start_equity: Decimal | None
    equity: Decimal
    peak: Decimal
    gross: Decimal
    state: AccountState = AccountState.ACTIVE
    reason: ReasonCode | None = None
    since_ms: int = 0
    sticky: bool = False
    daily_halt: ReasonCode | None = None
    drawdown_halt: bool = False
    exposure_high: bool = False
    target_hit: bool = False

    def day_pnl(self) -> Decimal:
        if self.day_start_equity is None:
            return Decimal(0)
        return self.equity - self.day_start_equity


class PortfolioMonitor:
    """Watch every account's equity and exposure and decide ACTIVE, REDUCING or HALTED.

    Daily loss, global daily loss and the profit target hold for the rest of the trading day;
    trailing drawdown holds until `reset`; the exposure cap releases with hysteresis. The
    most severe applicable state wins, and a `Transition` is emitted only when it changes.
    """

    def __init__(self, limits: MonitorLimits) -> None:
        self.limits = limits
        self._books: dict[str, _Book] = {}
        self._global_halt_day: date | None = None
        self._day: date | None = None

    # -- queries -------------------------------------------------------------------------

    def state(self, account: str) -> AccountState:
        """Return the account's state; an account never observed is ACTIVE."""
        book = self._books.get(account)
        return AccountState.ACTIVE if book is None else book.state

    def status(self, account: str) -> AccountStatus | None:
        """Return what the monitor knows of `account`, or None if it was never observed."""
        book = self._books.get(account)
        if book is None:
            return None
        return AccountStatus(
            account=account,
            state=book.state,
            reason=book.reason,
            since_ms=book.since_ms,
            sticky=book.sticky,
            day=book.day,
            day_start_equity=book.day_start_equity,
            equity=book.equity,
            peak=book.peak,
            gross_notional=book.gross,
        )

    def accounts(self) -> list[str]:
        """Return the observed accounts in first-seen order."""
        return list(self._books)

    # -- updates -------------------------------------------------------------------------

    def observe(self, samples: Sequence[AccountSample], now_ms: int) -> list[Transition]:
        """Take new equity and exposure figures at `now_ms` and return the state changes."""
        seen: set[str] = set()
        for sample in samples:
            if sample.account in seen:
                raise ValueError(f"account {sample.account!r} sampled twice")
            if not sample.equity.is_finite():
                raise ValueError(f"equity of {sample.account!r} must be finite")
            if not sample.gross_notional.is_finite() or sample.gross_notional < 0:
                raise ValueError(f"gross_notional of {sample.account!r} must be finite and >= 0")
            seen.add(sample.account)

        today = self.limits.day_start.day_of(now_ms)
        # Time going backwards (clock skew, replays) never reopens a finished day.
        if self._day is None or today > self._day:
            self._day = today
        today = self._day
        rolled = {name for name, book in self._books.items() if self._roll(book, today)}

        for sample in samples:
            book = self._books.get(sample.account)
            if book is None:
                book = _Book(
                    day=today,
                    day_start_equity=sample.equity,
                    equity=sample.equity,
                    peak=sample.equity,
                    gross=sample.gross_notional,
                    since_ms=now_ms,
                )
                self._books[sample.account] = book
            if book.day_start_equity is None:
                book.day_start_equity = sample.equity
            book.equity = sample.equity
            book.gross = sample.gross_notional
            book.peak = max(book.peak, sample.equity)
            self._check_account(book)

        self._check_global(today)
        transitions = []
        for name, book in self._books.items():
            release = ReasonCode.DAY_ROLLOVER if name in rolled else ReasonCode.EXPOSURE_NORMAL
            change = self._settle(name, book, now_ms, release)
            if change is not None:
                transitions.append(change)
        return transitions

    def reset(self, account: str, now_ms: int) -> Transition | None:
        """Clear a sticky trailing-drawdown halt (operator action); re-base the peak.

        Daily halts and the profit target still hold until the day rolls over.
        """
        book = self._books.get(account)
        if book is None:
            return None
        book.drawdown_halt = False
        book.peak = book.equity
        return self._settle(account, book, now_ms, ReasonCode.MANUAL_RESET)

    # -- internals -----------------------------------------------------------------------

    def _roll(self, book: _Book, today: date) -> bool:
        if book.day is not None and book.day >= today:
            return False
        book.day = today
        # The first observation of the new day sets its start equity.
        book.day_start_equity = None
        book.daily_halt = None
        book.target_hit = False
        return True

    def _check_account(self, book: _Book) -> None:
        lim = self.limits
        pnl = book.day_pnl()
        if lim.daily_loss is not None and pnl <= -lim.daily_loss:
            book.daily_halt = ReasonCode.DAILY_LOSS
        if lim.daily_profit_target is not None and pnl >= lim.daily_profit_target:
            book.target_hit = True
        drawdown = book.peak - book.equity
        if lim.trailing_drawdown is not None and drawdown >= lim.trailing_drawdown:
            book.drawdown_halt = True
        if lim.trailing_drawdown_pct is not None and drawdown * 100 >= (
            lim.trailing_drawdown_pct * book.peak
        ):
            book.drawdown_halt = True
        if lim.max_total_exposure is not None:
            cap = lim.max_total_exposure * book.equity
            if book.gross >= cap:
                book.exposure_high = True
            elif book.gross < lim.exposure_resume_ratio * cap:
                book.exposure_high = False
        else:
            book.exposure_high = False

    def _check_global(self, today: date) -> None:
        lim = self.limits
        if lim.global_daily_loss is not None and self._global_halt_day != today:
            total = sum((b.day_pnl() for b in self._books.values() if b.day == today), Decimal(0))
            if total <= -lim.global_daily_loss:
                self._global_halt_day = today
        if self._global_halt_day == today:
            for book in self._books.values():
                if book.daily_halt is None:
                    book.daily_halt = ReasonCode.GLOBAL_DAILY_LOSS

    def _target(self, book: _Book) -> tuple[AccountState, ReasonCode | None, bool]:
        # Order matters inside one severity: a sticky halt outranks a for-the-day one.
        if book.drawdown_halt:
            return AccountState.HALTED, ReasonCode.TRAILING_DRAWDOWN, True
        if book.daily_halt is not None:
            return AccountState.HALTED, book.daily_halt, False
        if book.exposure_high:
            return AccountState.REDUCING, ReasonCode.EXPOSURE_CAP, False
        if book.target_hit:
            return AccountState.REDUCING, ReasonCode.DAILY_PROFIT_TARGET, False
        return AccountState.ACTIVE, None, False

    def _settle(
        self, account: str, book: _Book, now_ms: int, release: ReasonCode
    ) -> Transition | None:
        state, reason, sticky = self._target(book)
        book.sticky = sticky
        if state == book.state:
            book.reason = reason
            return None
        previous = book.state
        book.state, book.reason, book.since_ms = state, reason, now_ms
        flatten = state == AccountState.HALTED
        return Transition(
            account=account,
            from_state=previous,
            to_state=state,
            reason=reason if reason is not None else release,
            flatten=flatten,
            at_ms=now_ms,
            detail=self._detail(book),
        )

    def _detail(self, book: _Book) -> dict[str, str]:
        lim = self.limits
        detail = {
            "equity": str(book.equity),
            "peak": str(book.peak),
            "drawdown": str(book.peak - book.equity),
            "day_pnl": str(book.day_pnl()),
            "gross_notional": str(book.gross),
            "day": "" if book.day is None else book.day.isoformat(),
        }
        if book.day_start_equity is not None:
            detail["day_start_equity"] = str(book.day_start_equity)
        if lim.max_total_exposure is not None:
            detail["exposure_cap"] = str(lim.max_total_exposure * book.equity)
        for name in ("daily_loss", "global_daily_loss", "trailing_drawdown", "daily_profit_target"):
            value = getattr(lim, name)
            if value is not None:
                detail[name] = str(value)
        return detail

    # -- persistence ---------------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Return the monitor's state as a JSON-able dict (money as strings)."""
        return {
            "version": _SNAPSHOT_VERSION,
            "day": None if self._day is None else self._day.isoformat(),
            "global_halt_day": (
                None if self._global_halt_day is None else self._global_halt_day.isoformat()
            ),
            "accounts": {name: _dump(book) for name, book in self._books.items()},
        }

    def restore(self, data: Mapping[str, Any]) -> None:
        """Replace the monitor's state with one produced by `snapshot`."""
        if data.get("version") != _SNAPSHOT_VERSION:
            raise ValueError(f"unsupported monitor snapshot version {data.get('version')!r}")
        books = {str(name): _load(raw) for name, raw in data["accounts"].items()}
        self._books = books
        self._day = _date_or_none(data.get("day"))
        self._global_halt_day = _date_or_none(data.get("global_halt_day"))


def _date_or_none(value: Any) -> date | None:
    return None if value is None else date.fromisoformat(str(value))


def _dec_or_none(value: Any) -> Decimal | None:
    return None if value is None else Decimal(str(value))


def _dump(book: _Book) -> dict[str, Any]:
    return {
        "day": None if book.day is None else book.day.isoformat(),
        "day_start_equity": None if book.day_start_equity is None else str(book.day_start_equity),
        "equity": str(book.equity),
        "peak": str(book.peak),
        "gross": str(book.gross),
        "state": book.state.value,
        "reason": None if book.reason is None else book.reason.value,
        "since_ms": book.since_ms,
        "sticky": book.sticky,
        "daily_halt": None if book.daily_halt is None else book.daily_halt.value,
        "drawdown_halt": book.drawdown_halt,
        "exposure_high": book.exposure_high,
        "target_hit": book.target_hit,
    }


def _load(raw: Mapping[str, Any]) -> _Book:
    reason = raw.get("reason")
    daily_halt = raw.get("daily_halt")
    return _Book(
        day=_date_or_none(raw.get("day")),
        day_start_equity=_dec_or_none(raw.get("day_start_equity")),
        equity=Decimal(str(raw["equity"])),
        peak=Decimal(str(raw["peak"])),
        gross=Decimal(str(raw["gross"])),
        state=AccountState(raw["state"]),
        reason=None if reason is None else ReasonCode(reason),
        since_ms=int(raw["since_ms"]),
        sticky=bool(raw["sticky"]),
        daily_halt=None if daily_halt is None else ReasonCode(daily_halt),
        drawdown_halt=bool(raw["drawdown_halt"]),
        exposure_high=bool(raw["exposure_high"]),
        target_hit=bool(raw["target_hit"]),
    )
