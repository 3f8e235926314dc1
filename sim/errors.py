"""Error text: every problem is reported on one line."""

from __future__ import annotations

_LINE_BREAKS = str.maketrans({c: "\\n" for c in "\n\r\x0b\x0c\x1c\x1d\x1e\x85\u2028\u2029"})


def one_line(text: object) -> str:
    r"""Return ``text`` with every line break written as ``\n``: one problem, one line.

    User input (a key, a file name, a value) is echoed in messages; a line
    break in it must not split a problem over several lines.
    """
    return str(text).translate(_LINE_BREAKS)
