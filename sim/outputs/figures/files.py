"""Figures as files: PNG and byte-reproducible SVG, drawn by forked workers (:class:`FigureJob`)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.layout_engine import LayoutEngine

from sim.plumbing.lifeline import (
    BackgroundWork,
    die_with_parent,
    release_signals,
    signals_held,
    stop_pool,
)

#: What the forked workers of :func:`save_figures` draw (set just before they fork).
_PENDING: dict[str, tuple[Callable[[], Figure], Path, tuple[str, ...]]] = {}


def _draw_and_save(name: str) -> list[Path]:
    make, stem, formats = _PENDING[name]
    return save_figure(make(), stem, formats)  # not cleared after: 10 ms each, for nothing


#: Figures with several panels take longest to draw: workers start with them (longest
#: first keeps every worker busy to the end); the others follow in their own order.
_SLOW_FIGURES = ("demand", "timeliness", "cost", "idle_attribution")


def _drawing_order(name: str) -> int:
    return _SLOW_FIGURES.index(name) if name in _SLOW_FIGURES else len(_SLOW_FIGURES)


def _figure_worker_init() -> None:
    """Figure workers leave Ctrl-C and SIGTERM to the parent, and end when it dies."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    release_signals()  # held while the workers were forked (see FigureJob)
    die_with_parent()


def save_figures(
    makers: dict[str, Callable[[], Figure]],
    directory: Path,
    formats: Sequence[str] = ("png",),
    jobs: int | None = None,
) -> list[Path]:
    """Draw figures and write them, in parallel worker processes where possible.

    Drawing and writing a figure takes 0.1-0.3 s, mostly laying out text, so
    a results directory's figures take longer than a small simulation. With
    ``jobs`` > 1 and the ``fork`` start method available (Linux), the figures
    are drawn by forked workers, which inherit ``makers`` without pickling
    them; otherwise they are drawn one after the other. The files do not
    depend on ``jobs``. (:class:`FigureJob` does the same in the background.)

    Parameters
    ----------
    makers : dict of str to callable
        Figure name to a function drawing it (e.g. :func:`figure_makers`).
    directory : pathlib.Path
        Where ``<name>.<format>`` is written (created if missing).
    formats : sequence of str, default ("png",)
        File formats (see :func:`save_figure`).
    jobs : int or None, default None
        Worker processes (None: the usable cores, at most one per figure).

    Returns
    -------
    list of pathlib.Path
        The written paths, figure by figure in the order of ``makers``.
    """
    with FigureJob(makers, directory, formats, jobs) as job:
        return job.wait()


class FigureJob(BackgroundWork):
    """Figures drawn and written by forked workers while the caller does something else.

    Starting the job forks the workers (see :func:`save_figures` for when it
    does not and draws in :meth:`wait` instead); :meth:`wait` collects the
    written paths and raises a worker's error. Used as a context manager, the
    job is waited for at the end of the block, or cancelled (workers
    terminated) when the block raises.

    Parameters
    ----------
    makers, directory, formats, jobs
        As for :func:`save_figures`.
    """

    def __init__(self, makers: dict[str, Callable[[], Figure]], directory: Path,
                 formats: Sequence[str] = ("png",), jobs: int | None = None) -> None:
        import multiprocessing
        from concurrent.futures import Future, ProcessPoolExecutor

        self.makers = dict(makers)
        self.directory = Path(directory)
        self.formats = tuple(formats)
        self.directory.mkdir(parents=True, exist_ok=True)
        if jobs is None:
            jobs = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1
        jobs = max(1, min(int(jobs), len(self.makers)))
        self._paths: list[Path] | None = None
        self._pool: ProcessPoolExecutor | None = None
        self._futures: list[Future] = []
        if jobs == 1 or "fork" not in multiprocessing.get_all_start_methods():
            return
        _PENDING.clear()
        _PENDING.update({name: (make, self.directory / name, self.formats)
                         for name, make in self.makers.items()})
        try:
            with signals_held():  # workers set their handlers before a signal reaches them
                self._pool = ProcessPoolExecutor(
                    max_workers=jobs, mp_context=multiprocessing.get_context("fork"),
                    initializer=_figure_worker_init)
                futures = {name: self._pool.submit(_draw_and_save, name)
                           for name in sorted(self.makers, key=_drawing_order)}
            self._futures = [futures[name] for name in self.makers]  # paths in makers' order
        except BaseException:
            self.cancel()
            raise
        finally:
            _PENDING.clear()  # the workers have forked with it; no later fork inherits it

    def wait(self) -> list[Path]:
        """Return the written paths once every figure is written (drawing here if serial)."""
        if self._paths is None:
            if self._pool is None:
                self._paths = [p for name, make in self.makers.items()
                               for p in save_figure(make(), self.directory / name, self.formats)]
            else:
                try:
                    self._paths = [p for future in self._futures for p in future.result()]
                except BaseException:
                    self.cancel()
                    raise
                self._pool.shutdown(wait=True)
                self._pool = None
        return self._paths

    def cancel(self) -> None:
        """Stop the workers now (nothing more is written)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            stop_pool(pool)


SVG_HASH_SALT = "tracesim"
"""Salt of the ids in SVG files (matplotlib's ``svg.hashsalt``): same figure, same bytes."""


def save_figure(
    fig: Figure, path_stem: Path, formats: Sequence[str] = ("png", "svg")
) -> list[Path]:
    """Write a figure in several formats next to each other.

    Parameters
    ----------
    fig : matplotlib.figure.Figure
        The figure to write.
    path_stem : pathlib.Path
        Path without extension; ``path_stem.png``, ``path_stem.svg`` ... are
        written (a dot in the stem is kept, not treated as an extension).
        Missing parent directories are created.
    formats : sequence of str, default ("png", "svg")
        File formats understood by matplotlib (e.g. "png", "svg", "pdf").

    Returns
    -------
    list of pathlib.Path
        The written paths, in the order of ``formats``.

    Notes
    -----
    Raster formats use 150 dpi; the figure's constrained layout sets the
    margins. The SVG and PDF carry no creation date, and the SVG's ids are
    hashed with a fixed salt (``svg.hashsalt``, :data:`SVG_HASH_SALT`) instead
    of random ones, so re-running gives byte-identical files.
    """
    path_stem = Path(path_stem)
    path_stem.parent.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    engine = _lay_out_once(fig, _DPI)
    try:
        for fmt in formats:
            ext = fmt.lower().lstrip(".")
            path = path_stem.parent / f"{path_stem.name}.{ext}"
            metadata = {"Date": None} if ext in {"svg", "pdf"} else None
            # No bbox_inches="tight": the constrained layout already fits titles and legends,
            # and a tight box costs a second layout. PNG: fast zlib level (same pixels).
            extra: dict[str, Any] = {"pil_kwargs": {"compress_level": 1}} if ext == "png" else {}
            with matplotlib.rc_context({"svg.hashsalt": SVG_HASH_SALT}):  # fixed clip-path ids
                fig.savefig(path, format=ext, dpi=_DPI, metadata=metadata, **extra)
            paths.append(path)
    finally:
        if engine is not None:
            fig.set_layout_engine(engine)  # the caller's figure lays itself out again
    return paths


_DPI = 150
"""Resolution of raster figures (dots per inch)."""


def _lay_out_once(fig: Figure, dpi: float) -> LayoutEngine | None:
    """Place the axes with the figure's layout engine once, then switch the engine off.

    ``savefig`` on a figure with a layout engine draws it twice (once without
    output, to lay it out, once for real) and lays it out in both draws: about
    half of writing a figure. Laid out here, at the resolution it is written
    at, the axes keep their places and ``savefig`` draws once; the pixels are
    the same. Returns the engine to put back afterwards (None: there was none).
    """
    engine = fig.get_layout_engine()
    if engine is None or not fig.axes:
        return None
    if not hasattr(fig.canvas, "get_renderer"):  # a bare Figure: lay out with Agg's renderer
        FigureCanvasAgg(fig)
    screen_dpi = fig.dpi
    fig.dpi = dpi
    try:
        engine.execute(fig)
    finally:
        fig.dpi = screen_dpi
    with matplotlib.rc_context({"figure.autolayout": False,
                                "figure.constrained_layout.use": False}):
        fig.set_layout_engine(None)
    return engine
