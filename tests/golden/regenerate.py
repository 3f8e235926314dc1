"""Write the golden tables again: ``.venv/bin/python -m tests.golden.regenerate [CASE ...]``.

Only when a change of the numbers is intended; the commit that regenerates
them says which numbers changed and why.
"""

from __future__ import annotations

import shutil
import sys

from tests.golden.cases import CASES, DATA, run_case


def main(names: list[str]) -> None:
    """Regenerate the named cases (all when none is named)."""
    for name in names or list(CASES):
        folder = DATA / name
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        for table_name, table in run_case(CASES[name]).items():
            table.to_parquet(folder / f"{table_name}.parquet", index=False, compression="zstd")
        print(f"{name}: {', '.join(sorted(p.stem for p in folder.glob('*.parquet')))}")


if __name__ == "__main__":
    main(sys.argv[1:])
