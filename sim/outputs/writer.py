"""The one writer of every folder tracesim writes: run, comparison, sweep, optimisation.

:func:`write_folder` writes any result that follows the :class:`Folder`
protocol (its tables, its text files, its figures) the same way: under the
directory's lock, into a temporary sibling renamed into place at the end, with
one metadata stamp (``metadata.json``: versions, kind, UTC time, and the
result's own facts), a ``README.md`` describing every file and column, and
optionally a workbook and the HTML report. A folder's ``cache/`` (points of a
sweep or an optimisation, kept to resume) is carried over to the new folder.

* :func:`directory_lock` takes an exclusive lock on a results directory before
  anything is simulated: a lock file ``.NAME.lock`` beside it holds the owner's
  pid under a POSIX record lock (``fcntl.lockf``), which the kernel releases
  when the process ends, however it ends. A second run into the same directory
  fails at once (:class:`LockedError`); a lock file left by a run that died is
  taken over with a notice. The lock is re-entrant within a process, so
  :meth:`sim.Results.save` under the command line's lock does not lock again.
* Temporary siblings are named ``.NAME.tmp-PID-XXXXXXXX`` (the new directory
  being written) and ``.NAME.old-PID-XXXXXXXX`` (the directory being replaced,
  for the moment between two renames). A run that holds the lock removes those
  left by runs whose pid is gone, with a notice; an ``.old-`` one whose
  directory is missing (the run died between the two renames) is renamed back.
* :func:`check_replaceable`: an existing path is replaced only with
  ``overwrite``, and only when it is a results directory that tracesim wrote
  (its ``metadata.json`` names a ``tracesim_version``) or an empty directory;
  never a regular file, a symbolic link or another folder. A directory that
  holds only a ``cache/`` (an interrupted sweep or optimisation) is written
  without ``overwrite``: the work resumes.
* :func:`check_out_path` refuses ``--out`` values that name the current
  directory, one of its parents, the root or the home directory, or that hold
  a ``..`` part; :func:`safe_folder_name` turns a scenario name into one folder
  name (no separators, no ``..``, not hidden).
"""

from __future__ import annotations

import datetime as dt
import json
import os
import platform
import re
import secrets
import shutil
import sys
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from importlib import metadata as importlib_metadata
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from sim.basics.errors import OutputError, one_line
from sim.plumbing import locks
from sim.plumbing.lifeline import BackgroundWork
from sim.plumbing.locks import LockedError, pid_alive

if TYPE_CHECKING:
    import pandas as pd

    from sim.inputs.scenario import Scenario
    from sim.plumbing.forked import ForkedWorker

Notify = Callable[[str], None]

MARKER = "metadata.json"
"""The file that makes a directory a tracesim results directory."""
CACHE = "cache"
"""A folder's points computed so far (sweep, optimise), carried over when it is rewritten."""

_SIBLING = re.compile(r"^(?P<pid>[0-9]+)-[0-9a-f]{8}$")
_MAX_NAME = 120


def notice(text: str) -> None:
    """Print a notice (one line) on stderr: something was done that the user should know."""
    print(f"tracesim: notice: {one_line(text)}", file=sys.stderr)


# --------------------------------------------------------------------------- names


def safe_folder_name(name: str) -> str:
    r"""Turn a scenario name into one safe folder name.

    Path separators (``/`` and ``\\``) split the name into parts; empty, ``.``
    and ``..`` parts are dropped and the rest joined with ``-``. Control
    characters and ``<>:"|?*`` become ``_``; leading dots and spaces and
    trailing dots and spaces are removed (no hidden folder, none that
    Windows cannot open), and the result is at most 120 characters.

    Parameters
    ----------
    name
        The scenario name.

    Returns
    -------
    str
        A folder name; ``"scenario"`` when nothing usable is left.
    """
    parts = [p for p in re.split(r"[/\\]+", name) if p.strip() not in ("", ".", "..")]
    text = "-".join(p.strip() for p in parts)
    text = re.sub(r'[\x00-\x1f\x7f<>:"|?*]', "_", text)
    text = text.lstrip(". ").rstrip(". ")[:_MAX_NAME].rstrip(". ")
    return text or "scenario"


def check_out_path(out: str) -> Path:
    """Check an ``--out`` value before any work.

    Parameters
    ----------
    out
        The directory given on the command line.

    Returns
    -------
    pathlib.Path
        The path to write.

    Raises
    ------
    OutputError
        When it is empty, names ``.``/``..``, holds a ``..`` part or a
        backslash in its name, or is the root, the home directory, the
        current directory or one of its parents.
    """
    path = Path(out)
    if not out.strip():
        raise OutputError("--out: give a directory name")
    if ".." in path.parts:
        raise OutputError(f"--out {out}: '..' is not accepted in --out; give the path "
                          "without it (e.g. an absolute path)")
    if path.name in ("", ".") or "\\" in path.name:
        raise OutputError(f"--out {out}: not a folder name tracesim can write; give a new "
                          "folder, e.g. --out results/my-run")
    resolved = path.resolve()
    cwd = Path.cwd().resolve()
    try:
        home: Path | None = Path.home().resolve()
    except (RuntimeError, KeyError):  # no home directory known
        home = None
    if resolved == cwd or resolved in cwd.parents or resolved == home:
        raise OutputError(f"--out {out} is {resolved}, a folder that holds other work; give "
                          "a new folder for the results, e.g. --out results/my-run")
    return path


# --------------------------------------------------------------------------- replacement


def is_results_directory(path: Path) -> bool:
    """Return whether ``path`` is a directory that tracesim wrote (its ``metadata.json``)."""
    marker = path / MARKER
    if path.is_symlink() or not path.is_dir() or marker.is_symlink() or not marker.is_file():
        return False
    try:
        meta = json.loads(marker.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return False
    return isinstance(meta, dict) and "tracesim_version" in meta


def check_replaceable(target: Path, overwrite: bool) -> None:
    """Refuse to write ``target`` where that would lose anything not written by tracesim.

    Parameters
    ----------
    target
        The results directory to write.
    overwrite
        Whether an existing results directory may be replaced.

    Raises
    ------
    FileExistsError
        ``target`` is a results directory (or an empty one) and ``overwrite``
        is false.
    OutputError
        ``target`` is a file, a link or a folder that tracesim did not write:
        never replaced, even with ``overwrite``.
    """
    if target.name in ("", ".", ".."):
        raise OutputError(f"{target}: not a folder name tracesim can write")
    if not target.is_symlink() and not target.exists():
        return
    if target.is_symlink() or not target.is_dir():
        kind = "a symbolic link" if target.is_symlink() else "a file"
        raise OutputError(f"{target} is {kind}, not a results directory; it is never "
                          "replaced: choose another --out")
    entries = [p.name for p in target.iterdir()]
    if entries == [CACHE] and (target / CACHE).is_dir() and not (target / CACHE).is_symlink():
        return  # an interrupted sweep or optimisation: it resumes
    if entries and not is_results_directory(target):
        raise OutputError(f"{target} exists and is not a results directory written by "
                          f"tracesim (no {MARKER}); it is never replaced: choose another --out")
    if not overwrite:
        raise FileExistsError(f"{target} exists; choose another --out or pass --overwrite")


def sibling(target: Path, kind: str) -> Path:
    """Return a new name ``.NAME.KIND-PID-XXXXXXXX`` beside ``target`` (not created)."""
    return target.parent / f".{target.name}.{kind}-{os.getpid()}-{secrets.token_hex(4)}"


def make_temp_sibling(target: Path) -> Path:
    """Create the temporary directory a results directory is written into.

    It is created with mode ``0o777`` less the umask (as any new folder), so
    the renamed results directory can be read by whoever the umask lets.
    """
    target.parent.mkdir(parents=True, exist_ok=True)
    for _ in range(100):
        path = sibling(target, "tmp")
        try:
            os.mkdir(path, 0o777)
        except FileExistsError:
            continue
        return path
    raise FileExistsError(f"cannot create a temporary directory beside {target}")


def move_into_place(tmp: Path, target: Path) -> None:
    """Rename the complete ``tmp`` to ``target``, replacing a results directory there.

    An existing ``target`` (checked with :func:`check_replaceable` again, as
    something may have appeared meanwhile) is first renamed to an ``.old-``
    sibling, which is removed once the new directory is in place.
    """
    if not target.is_symlink() and not target.exists():
        tmp.rename(target)
        return
    check_replaceable(target, overwrite=True)
    backup = sibling(target, "old")
    target.rename(backup)
    try:
        tmp.rename(target)
    except BaseException:
        backup.rename(target)
        raise
    _remove_tree(backup)


def _remove_tree(path: Path) -> None:
    import shutil

    shutil.rmtree(path, ignore_errors=True)


def clean_leftovers(target: Path, notify: Notify = notice) -> None:
    """Remove the temporary siblings of ``target`` left by runs that died.

    Only entries named ``.NAME.tmp-PID-X`` or ``.NAME.old-PID-X`` whose pid is
    gone are touched. An ``.old-`` one is the previous results directory,
    renamed away just before the new one was moved in: when ``target`` is
    missing (the run died in between), it is renamed back instead.
    """
    parent = target.parent
    if not parent.is_dir():
        return
    leftovers = []
    for entry in parent.iterdir():
        for kind in ("old", "tmp"):
            prefix = f".{target.name}.{kind}-"
            match = _SIBLING.match(entry.name[len(prefix):]) if entry.name.startswith(
                prefix) else None
            if match and not pid_alive(int(match["pid"])):
                leftovers.append((kind, int(match["pid"]), entry))
    for kind, pid, entry in sorted(leftovers, key=lambda item: item[0]):  # "old" first
        if kind == "old" and not target.is_symlink() and not target.exists():
            entry.rename(target)
            notify(f"restored {target} from {entry.name}, left by a run that died while "
                   f"replacing it (pid {pid})")
            continue
        if entry.is_dir() and not entry.is_symlink():
            _remove_tree(entry)
        else:
            entry.unlink()
        notify(f"removed {entry}, left by a run that died (pid {pid})")


@contextmanager
def directory_lock(target: str | Path, notify: Notify = notice) -> Iterator[Path]:
    """Hold the exclusive lock of a results directory for the block (:mod:`sim.plumbing.locks`).

    Taking it also removes the temporary siblings left by dead runs
    (:func:`clean_leftovers`). Re-entrant within a process.

    Raises
    ------
    LockedError
        Another live process holds the lock.
    """
    with locks.directory_lock(target, notify) as path:
        clean_leftovers(path, notify)
        yield path



# --------------------------------------------------------------------------- the writer


@dataclass(frozen=True)
class Table:
    """A table of a folder and the files it is written as.

    Attributes
    ----------
    frame
        The table.
    parquet, csv
        Write ``NAME.parquet`` (every value as it is) and ``NAME.csv``
        (rounded to each column's unit, with a timestamp next to each time
        column; :func:`sim.outputs.folder_readme.csv_frame`).
    """

    frame: pd.DataFrame
    parquet: bool = True
    csv: bool = True


@dataclass(frozen=True)
class Contents:
    """What a result writes besides its figures, the metadata and the README.

    Attributes
    ----------
    tables
        By name, which may hold folders (``scenarios/01-quick/daily``).
    texts
        Other files by name (``scenario.yaml``, ``summary.json``).
    skipped
        Tables deliberately not written, with the reason (the README says so).
    sheets
        The tables of the workbook (``--excel``), in order.
    """

    tables: Mapping[str, Table]
    texts: Mapping[str, str] = field(default_factory=dict)
    skipped: Mapping[str, str] = field(default_factory=dict)
    sheets: tuple[str, ...] = ()


class Folder(Protocol):
    """What the one writer needs of a result (run, comparison, sweep, optimum).

    Attributes
    ----------
    kind
        ``"run"``, ``"comparison"``, ``"sweep"`` or ``"optimum"`` (in ``metadata.json``).
    """

    kind: str

    @property
    def folder_scenario(self) -> Scenario:
        """The scenario the folder is about (a comparison's first, a sweep's base)."""
        ...

    def folder_contents(self) -> Contents:
        """Return the tables and text files to write."""
        ...

    def folder_metadata(self) -> dict[str, Any]:
        """Return the result's own facts for ``metadata.json`` (seed, replications ...)."""
        ...

    def draw_figures(self, directory: Path, formats: Sequence[str], jobs: int | None,
                     worker: ForkedWorker | None) -> BackgroundWork:
        """Start drawing the figures into ``directory``; return the work to wait for."""
        ...


class Published:
    """Mix-in of the outputs' classes: an experiment's result as the class that can save it."""

    @classmethod
    def of(cls, result: Any) -> Any:
        """Return ``result`` as this class (the same tables, not copied)."""
        if isinstance(result, cls):
            return result
        out = cls.__new__(cls)
        out.__dict__.update(result.__dict__)
        return out


PACKAGES = ("tracesim", "numpy", "scipy", "pandas", "pydantic", "simpy", "matplotlib", "pyarrow")


def version(package: str) -> str | None:
    """Return an installed package's version (None when it is not installed)."""
    try:
        return importlib_metadata.version(package)
    except importlib_metadata.PackageNotFoundError:
        return None


def stamp(kind: str, facts: Mapping[str, Any]) -> dict[str, Any]:
    """Return the content of a folder's ``metadata.json``: the common stamp, then ``facts``.

    The stamp is the tracesim and library versions, Python, the folder's kind
    and the UTC time of writing.
    """
    return {
        "tracesim_version": version("tracesim"),
        "packages": {p: version(p) for p in PACKAGES},
        "python": platform.python_version(),
        "kind": kind,
        "created_at_utc": dt.datetime.now(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
        **facts,
    }


@contextmanager
def atomic_directory(directory: str | Path, overwrite: bool = False) -> Iterator[Path]:
    """Write a directory atomically: yield a temporary sibling, rename it at the end.

    The directory's lock (:func:`directory_lock`) is held for the block (unless
    this process holds it already, as the commands do from before the work),
    and temporary siblings left by dead runs are removed with a notice. The
    temporary directory ``.NAME.tmp-PID-XXXXXXXX`` is created with the
    umask's mode, so the directory is as readable as any new folder. An
    existing folder's ``cache/`` is carried over into the new one.

    Parameters
    ----------
    directory
        The directory to create; must not exist unless ``overwrite`` (or hold
        only a ``cache/``).
    overwrite
        Replace an existing results directory, only once the new one is complete.

    Yields
    ------
    pathlib.Path
        The temporary directory to fill. If the block raises (or is
        interrupted), it is removed and ``directory`` is left as it was.

    Raises
    ------
    FileExistsError
        ``directory`` exists and ``overwrite`` is false (checked before
        anything is written).
    OutputError
        ``directory`` is a file, a link or a folder tracesim did not write
        (never replaced), or another run is writing it (:class:`LockedError`).
    """
    target = Path(directory)
    with directory_lock(target):
        check_replaceable(target, overwrite)
        tmp = make_temp_sibling(target)
        try:
            yield tmp
            _carry_cache(target, tmp)
            try:
                move_into_place(tmp, target)
            except BaseException:
                _carry_cache(tmp, target)
                raise
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise


def _carry_cache(source: Path, target: Path) -> None:
    """Move ``source/cache`` to ``target/cache`` when there is one (and none there yet)."""
    cache = source / CACHE
    if cache.is_dir() and not cache.is_symlink() and not (target / CACHE).exists():
        target.mkdir(parents=True, exist_ok=True)
        cache.rename(target / CACHE)


def write_folder(folder: Folder, directory: str | Path, *, overwrite: bool = False,
                 figures: bool = True, figure_formats: Sequence[str] = ("png",),
                 excel: bool = False, report: bool = False, jobs: int | None = None,
                 worker: ForkedWorker | None = None) -> Path:
    """Write a result's folder: tables, texts, figures, metadata, README, workbook, report.

    Parameters
    ----------
    folder
        The result (:class:`Folder`).
    directory
        Target directory; must not exist unless ``overwrite`` (see :func:`atomic_directory`).
    overwrite
        Replace an existing results directory, only once the new one is complete.
    figures
        Also draw the figures into ``figures/``.
    figure_formats
        File formats of the figures (PNG by default; e.g. ``("png", "svg")``).
    excel
        Also write ``results.xlsx`` (needs openpyxl).
    report
        Also write ``report.html`` (:func:`sim.outputs.report.build_report`).
    jobs
        Processes drawing the figures (None: all cores).
    worker
        A process forked early that draws the figures (``tracesim run``); None:
        workers forked while writing.

    Returns
    -------
    pathlib.Path
        The directory written. A failure leaves no half-written directory.
    """
    from sim.outputs.folder_readme import write_readme

    target = Path(directory)
    contents = folder.folder_contents()
    meta = stamp(folder.kind, folder.folder_metadata())
    with atomic_directory(target, overwrite=overwrite) as tmp, ExitStack() as stack:
        if figures:  # drawn by other processes while the tables are written
            drawing = stack.enter_context(
                folder.draw_figures(tmp / "figures", figure_formats, jobs, worker))
        _write_contents(tmp, contents, folder.folder_scenario)
        (tmp / MARKER).write_text(json.dumps(meta, indent=2) + "\n", encoding="utf-8")
        if excel:
            from sim.outputs.workbook import write_workbook

            write_workbook(tmp / "results.xlsx",
                           {name: contents.tables[name].frame for name in contents.sheets
                            if name in contents.tables})
        if figures:
            drawing.wait()  # before the README lists the figures
        write_readme(tmp, {name: t.frame for name, t in contents.tables.items()},
                     folder.folder_scenario, meta, contents.skipped, kind=folder.kind)
        if report:
            from sim.outputs.report import build_report

            (tmp / "report.html").write_text(build_report(tmp, jobs=jobs, shown_as=target),
                                             encoding="utf-8")
    return target


def _write_contents(tmp: Path, contents: Contents, scenario: Scenario) -> None:
    """Write the tables (Parquet and CSV) and the text files of a folder into ``tmp``."""
    from sim.outputs.folder_readme import csv_frame

    for name, text in contents.texts.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name, table in contents.tables.items():
        path = tmp / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if table.parquet:
            table.frame.to_parquet(path.with_name(path.name + ".parquet"), index=False)
        if table.csv:
            csv_frame(table.frame, scenario.calendar.start).to_csv(
                path.with_name(path.name + ".csv"), index=False)


__all__ = ["CACHE", "Contents", "Folder", "LockedError", "Published", "Table", "atomic_directory",
           "check_out_path", "check_replaceable", "clean_leftovers", "directory_lock",
           "is_results_directory", "make_temp_sibling", "move_into_place", "notice",
           "safe_folder_name", "sibling", "stamp", "version", "write_folder"]
