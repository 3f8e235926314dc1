"""Results cached by content inside an output directory.

A *point* is a resolved scenario run with a seed and a number of
replications; its per-replication metrics are stored as
``<dir>/cache/<scenario hash>-seed<seed>-r<replications>.parquet``. A point
whose file exists is read back instead of run again, so an interrupted sweep
or optimisation resumes where it stopped, and a sweep and an optimisation
writing to the same directory share their points. Files are written to a
temporary name and renamed, so an interruption never leaves a partial file.
Parquet keeps every float bit for bit: a point read back gives the same tables
as a point run.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import pandas as pd

__all__ = ["PointCache", "write_atomic"]

CACHE_DIR = "cache"


def write_atomic(path: Path, write) -> None:
    """Write a file through ``write(tmp_path)`` and rename it into place.

    Parameters
    ----------
    path
        Final file name.
    write
        Called with a temporary path in the same directory.
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


class PointCache:
    """Per-replication metrics of points, stored under ``<directory>/cache``.

    Parameters
    ----------
    directory
        The output directory; None keeps nothing (every point is run).
    """

    def __init__(self, directory: str | Path | None) -> None:
        self.root = Path(directory) / CACHE_DIR if directory is not None else None

    @staticmethod
    def key(scenario_hash: str, seed: int, replications: int) -> str:
        """Return the file stem of a point."""
        return f"{scenario_hash}-seed{seed}-r{replications}"

    def _path(self, key: str) -> Path | None:
        return self.root / f"{key}.parquet" if self.root is not None else None

    def get(self, key: str) -> pd.DataFrame | None:
        """Return the stored per-replication metrics of a point, or None."""
        path = self._path(key)
        if path is None or not path.is_file():
            return None
        return pd.read_parquet(path)

    def put(self, key: str, table: pd.DataFrame) -> None:
        """Store a point's per-replication metrics (one row per replication)."""
        path = self._path(key)
        if path is not None:
            write_atomic(path, lambda tmp: table.to_parquet(tmp, index=False))
