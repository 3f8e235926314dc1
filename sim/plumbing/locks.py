"""An exclusive lock per directory, held by one process, released by the kernel when it dies.

:func:`directory_lock` takes the lock of a directory: a lock file ``.NAME.lock``
beside it holds the owner's pid under a POSIX record lock (``fcntl.lockf``),
which the kernel releases when the process ends, however it ends. A second
process fails at once (:class:`LockedError`); a lock file left by a process
that died is taken over with a notice. The lock is re-entrant within a
process.
"""

from __future__ import annotations

import errno
import os
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sim.basics.errors import OutputError

try:  # POSIX only; elsewhere directories are not locked
    import fcntl
except ImportError:  # pragma: no cover - not on POSIX
    fcntl = None  # type: ignore[assignment]

Notify = Callable[[str], None]

_HELD: dict[Path, int] = {}


class LockedError(OutputError):
    """The results directory is being written by another run."""


def pid_alive(pid: int) -> bool:
    """Return whether a process with this pid exists (a zombie counts as gone)."""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii", errors="replace") as stat:
            return stat.read().rsplit(")", 1)[-1].split()[0] != "Z"
    except OSError:
        return True


def lock_path(target: Path) -> Path:
    """Return the lock file of a results directory: ``.NAME.lock`` beside it."""
    return target.parent.resolve() / f".{target.name}.lock"


def _read_pid(fd: int) -> int | None:
    try:
        text = os.pread(fd, 64, 0).decode("ascii", errors="replace").strip()
    except OSError:
        return None
    return int(text) if text.isdigit() else None


def _owner_pid(fd: int) -> int | None:
    """Return the pid the lock's holder wrote, waiting a moment for one that just locked.

    The holder writes its pid right after it takes the lock, so a file found
    locked but still empty is given up to half a second to say who holds it.
    """
    for _ in range(50):
        owner = _read_pid(fd)
        if owner is not None:
            return owner
        time.sleep(0.01)
    return None


def _try_lock(path: Path, target: Path, notify: Notify) -> int | None:
    """Open and lock ``path``; None when the file was replaced meanwhile (try again)."""
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        fcntl.lockf(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError as exc:
        owner = _owner_pid(fd) if exc.errno in (errno.EACCES, errno.EAGAIN) else None
        os.close(fd)
        if exc.errno not in (errno.EACCES, errno.EAGAIN):
            raise
        who = f" (pid {owner})" if owner else ""
        raise LockedError(f"{target} is being written by another run{who}; wait for it or "
                          "choose another --out") from None
    try:
        same = os.fstat(fd).st_ino == os.stat(path).st_ino
    except FileNotFoundError:
        same = False
    if not same:  # the owner removed the file between our open and our lock
        os.close(fd)
        return None
    owner = _read_pid(fd)
    if owner is not None and owner != os.getpid():
        state = "is gone" if not pid_alive(owner) else "no longer holds it"
        notify(f"took over the lock of {target} left by a run that {state} (pid {owner})")
    os.ftruncate(fd, 0)
    os.pwrite(fd, f"{os.getpid()}\n".encode("ascii"), 0)
    return fd


def _acquire(path: Path, target: Path, notify: Notify) -> int:
    for _ in range(50):
        fd = _try_lock(path, target, notify)
        if fd is not None:
            return fd
    raise LockedError(f"{target} is being locked and unlocked by other runs; try again")


def _made_parents(directory: Path) -> list[Path]:
    """Create ``directory`` and its missing parents; return those created, deepest first."""
    missing = []
    probe = directory
    while not probe.exists() and probe != probe.parent:
        missing.append(probe)
        probe = probe.parent
    directory.mkdir(parents=True, exist_ok=True)
    return missing


@contextmanager
def directory_lock(target: str | Path, notify: Notify) -> Iterator[Path]:
    """Hold the exclusive lock of a results directory for the block.

    Re-entrant within a process. Parent folders
    created for the lock file are removed again if they are still empty at
    the end.

    Parameters
    ----------
    target
        The results directory (need not exist).
    notify
        Where notices go (stale lock taken over, leftovers removed).

    Yields
    ------
    pathlib.Path
        ``target`` as a path.

    Raises
    ------
    LockedError
        Another live process holds the lock.
    """
    target = Path(target)
    if fcntl is None:  # pragma: no cover - not on POSIX
        yield target
        return
    created = _made_parents(target.parent)
    path = lock_path(target)
    if path in _HELD:
        yield target
        return
    try:
        fd = _acquire(path, target, notify)
    except BaseException:
        _remove_empty(created)
        raise
    _HELD[path] = fd
    try:
        yield target
    finally:
        del _HELD[path]
        try:
            path.unlink()
        except FileNotFoundError:
            pass
        os.close(fd)
        _remove_empty(created)


def _remove_empty(directories: list[Path]) -> None:
    for directory in directories:
        try:
            directory.rmdir()
        except OSError:
            return
