"""One section per benchmark in ``bench/RESULTS.md``: each script replaces only its own.

A section is the text between ``<!-- begin NAME -->`` and ``<!-- end NAME -->``
(NAME: the script, e.g. ``run``, ``sweep_bench``). :func:`write_section`
replaces that block, or appends it at the end of the file when it is absent,
and leaves everything else in the file as it was, so ``bench/run.py`` no longer
deletes what ``bench/sweep_bench.py``, ``bench/isa_bench.py`` or
``bench/quick_run.py`` wrote, and the other way round.

The scripts import it as ``from results_md import write_section`` (Python puts
a script's own folder first on ``sys.path``); the tests as ``bench.results_md``.
"""

from __future__ import annotations

import os
import re
import tempfile
from pathlib import Path

#: The first line of a new results file.
TITLE = "# tracesim benchmark results"

_NAME = re.compile(r"[A-Za-z0-9_.-]+")


def markers(name: str) -> tuple[str, str]:
    """The begin and end markers of the section ``name``.

    Raises ``ValueError`` for a name that could not be told apart from another
    or would end the HTML comment (only letters, digits, ``_``, ``.``, ``-``).
    """
    if not _NAME.fullmatch(name):
        raise ValueError(f"section name {name!r}: use letters, digits, '_', '.' or '-'")
    return f"<!-- begin {name} -->", f"<!-- end {name} -->"


def replace_section(text: str, name: str, section: str) -> str:
    """Return ``text`` with the section ``name`` replaced by ``section`` (appended if absent).

    ``section`` is the markdown without the markers; its leading and trailing
    blank lines are dropped. Everything outside the section's markers is kept
    byte for byte. A begin marker without its end marker, or a section that
    contains a marker of its own name, raises ``ValueError`` rather than
    guessing where the section ends.
    """
    begin, end = markers(name)
    body = section.strip("\n")
    if begin in body or end in body:
        raise ValueError(f"the {name!r} section contains its own marker")
    block = f"{begin}\n{body}\n{end}"
    start = text.find(begin)
    if start < 0:
        if end in text:
            raise ValueError(f"{end} without {begin}")
        head = text.rstrip("\n")
        return (head + "\n\n" if head else "") + block + "\n"
    stop = text.find(end, start + len(begin))
    if stop < 0:
        raise ValueError(f"{begin} without {end}")
    if text.find(begin, start + len(begin)) >= 0:
        raise ValueError(f"{begin} appears more than once")
    return text[:start] + block + text[stop + len(end):]


def write_section(path: Path | str, name: str, section: str) -> None:
    """Replace (or append) the section ``name`` of the markdown file ``path``.

    A missing file is created with ``TITLE``; an existing one keeps its mode.
    The new file replaces the old one in one step (written beside it, then
    renamed), so a reader never sees half a file.
    """
    path = Path(path)
    exists = path.exists()
    text = path.read_text(encoding="utf-8") if exists else TITLE + "\n"
    new = replace_section(text, name, section)
    mode = path.stat().st_mode & 0o777 if exists else 0o644
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(new)
        os.chmod(tmp, mode)  # mkstemp's file is private (0600)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
