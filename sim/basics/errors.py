"""The errors tracesim reports as bad input, and their text: every problem on one line.

The error classes live here, in a module that imports nothing heavy, so that
the console script can tell bad input from a failure without importing the
modules that raise them; each is also importable from where it is raised
(``sim.inputs.scenario.ScenarioError``, ``sim.inputs.epidemic.DataError``, ...).
"""

from __future__ import annotations

import os
from collections.abc import Sequence

_LINE_BREAKS = str.maketrans({c: "\\n" for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def one_line(text: object) -> str:
    r"""Return ``text`` with every line break written as ``\n``: one problem, one line.

    User input (a key, a file name, a value) is echoed in messages; a line
    break in it must not split a problem over several lines.
    """
    return str(text).translate(_LINE_BREAKS)


class ScenarioError(ValueError):
    """A scenario that cannot be used.

    ``problems`` holds one line per problem: ``file:line:col dotted.path: message``.
    """

    def __init__(self, problems: Sequence[str]):
        self.problems = [one_line(p) for p in problems]
        super().__init__("\n".join(self.problems))


class ParameterError(ValueError):
    """An invalid plain parameter passed to a demand or arrival function."""


class DataError(ValueError):
    """An error in an input data file.

    The message names the file, the row and what is wrong, as
    ``"<path>, row <n>: <problem>"`` (or ``"<path>: <problem>"`` when the
    problem is not tied to one row).

    Row numbers follow the spreadsheet convention: the header line is row 1,
    the first data row is row 2, so for a file without multi-line quoted
    fields the row number is the line number in a text editor.  Blank lines
    count as rows.

    Parameters
    ----------
    path : str or os.PathLike
        The data file.
    problem : str
        What is wrong, one line.
    row : int, optional
        1-based row number (header = row 1), if the problem is in one row.

    Attributes
    ----------
    path : str
        The data file.
    problem : str
        What is wrong.
    row : int or None
        The row number, or ``None``.
    """

    def __init__(self, path: str | os.PathLike, problem: str, row: int | None = None) -> None:
        self.path = os.fspath(path)
        self.problem = problem
        self.row = row
        where = self.path if row is None else f"{self.path}, row {row}"
        super().__init__(one_line(f"{where}: {problem}"))

    def __reduce__(self) -> tuple[type[DataError], tuple[str, str, int | None]]:
        """Keep the exception picklable (process-pool executors)."""
        return (type(self), (self.path, self.problem, self.row))


class SizeError(ValueError):
    """A run too large to start without ``force``."""


class ResultsError(ValueError):
    """A directory that is not a usable results directory."""


class ReportError(ValueError):
    """A directory that is neither a results nor a comparison directory, or an existing file."""


class SweepError(ValueError):
    """Bad input to a sweep or an optimisation (one line, names the option)."""


class OutputError(ValueError):
    """A results directory that cannot be written safely (bad input: exit 2)."""
