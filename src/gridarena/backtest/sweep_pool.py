"""Process pool for sweeps: workers inherit the candles and the compiled kernel from the parent.

The candles go to the workers through the pool initializer; under the fork start method its
arguments are inherited memory, so the year of arrays is never pickled. The kernel is loaded in
the parent first so no worker loads or compiles it again.
"""

import multiprocessing as mp
from collections.abc import Sequence
from concurrent.futures import Future, ProcessPoolExecutor, as_completed

import numpy as np
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from gridarena.backtest.params import GridParams
from gridarena.backtest.run import Summary, run_kernel
from gridarena.backtest.runner import BacktestConfig, run_backtest
from gridarena.grid.spec import GridSpec
from gridarena.marketdata.candles import Candles, Funding

Task = tuple[int, GridSpec, BacktestConfig]
Outcome = tuple[int, Summary | str]


def _run_tasks(tasks: Sequence[Task], candles: Candles, funding: Funding | None) -> list[Outcome]:
    out: list[Outcome] = []
    for index, spec, config in tasks:
        try:
            result = run_backtest(spec, candles, config=config, funding=funding, record=False)
        except ValueError as exc:  # the market rejects the spec (ATR warm-up, sizing filters)
            out.append((index, str(exc)))
        else:
            out.append((index, result.run.summary))
    return out


# Set in each worker by the pool initializer; inherited memory under fork.
_MARKET: tuple[Candles, Funding | None] | None = None


def _init_worker(candles: Candles, funding: Funding | None) -> None:
    global _MARKET
    _MARKET = (candles, funding)


def _worker_chunk(tasks: list[Task]) -> list[Outcome]:
    assert _MARKET is not None, "worker started without a market"
    return _run_tasks(tasks, *_MARKET)


def warm_kernel() -> None:
    """Load the compiled kernel in this process so forked workers inherit it (no recompiles)."""
    ts = np.arange(3, dtype=np.int64) * 60_000
    px = np.array([100.0, 101.0, 99.0])
    levels = np.array([98.0, 100.0, 102.0])
    run_kernel(ts, px, px + 1, px - 1, px, levels, np.ones(2), GridParams(allocation=1000.0))


def _progress(enabled: bool, total: int) -> Progress:
    console = Console(stderr=True)
    return Progress(
        TextColumn("sweep"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeElapsedColumn(),
        console=console,
        disable=not (enabled and console.is_terminal and total > 0),
        transient=True,
    )


def execute(
    tasks: list[Task],
    candles: Candles,
    funding: Funding | None,
    workers: int,
    chunk_size: int,
    progress: bool,
) -> list[Outcome]:
    """Run ``tasks`` in chunks on ``workers`` processes (1: in this process), in any order.

    Each outcome is the run's summary, or the error message when the market rejected the spec.
    """
    chunks = [tasks[i : i + chunk_size] for i in range(0, len(tasks), chunk_size)]
    outcomes: list[Outcome] = []
    if workers <= 1 or len(chunks) <= 1:
        with _progress(progress, len(tasks)) as bar:
            job = bar.add_task("sweep", total=len(tasks))
            for chunk in chunks:
                outcomes.extend(_run_tasks(chunk, candles, funding))
                bar.advance(job, len(chunk))
        return outcomes
    warm_kernel()
    # Where fork is missing (Windows) the initializer pickles the candles once per worker.
    ctx = mp.get_context("fork" if "fork" in mp.get_all_start_methods() else "spawn")
    with ProcessPoolExecutor(
        max_workers=min(workers, len(chunks)),
        mp_context=ctx,
        initializer=_init_worker,
        initargs=(candles, funding),
    ) as pool:
        # Submit (and so fork every worker) before the progress bar starts its refresh thread.
        futures: dict[Future[list[Outcome]], int] = {
            pool.submit(_worker_chunk, chunk): len(chunk) for chunk in chunks
        }
        with _progress(progress, len(tasks)) as bar:
            job = bar.add_task("sweep", total=len(tasks))
            for done in as_completed(futures):
                outcomes.extend(done.result())
                bar.advance(job, futures[done])
    return outcomes
