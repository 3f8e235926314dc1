"""Safety of results directories: one writer each, safe names, safe replacement.

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
  never a regular file, a symbolic link or another folder.
* :func:`check_out_path` refuses ``--out`` values that name the current
  directory, one of its parents, the root or the home directory, or that hold
  a ``..`` part; :func:`safe_folder_name` turns a scenario name into one folder
  name (no separators, no ``..``, not hidden).
"""

from __future__ import annotations

import json
import os
import re
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.basics.errors import OutputError, one_line
from sim.plumbing import locks
from sim.plumbing.locks import LockedError, pid_alive

Notify = Callable[[str], None]

MARKER = "metadata.json"
"""The file that makes a directory a tracesim results directory."""

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
    empty = not any(target.iterdir())
    if not empty and not is_results_directory(target):
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


__all__ = ["LockedError", "check_out_path", "check_replaceable", "clean_leftovers",
           "directory_lock", "is_results_directory", "make_temp_sibling", "move_into_place",
           "notice", "safe_folder_name", "sibling"]
