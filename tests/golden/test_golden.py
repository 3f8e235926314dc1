"""Golden back-test: a refactor changes no number.

Every case of :mod:`tests.golden.cases` is run again and each stored table is
compared with the fresh one exactly: the same columns in the same order, the
same dtypes, the same values bit for bit (NaN where NaN). This is the one test
that pins simulated numbers; its purpose is to prove that moving code changed
none of them. When a change of the numbers is intended, regenerate the tables
(``python -m tests.golden.regenerate``) in a commit that says why.
"""

from __future__ import annotations

import pandas as pd
import pytest

from tests.golden.cases import CASES, DATA, run_case


@pytest.mark.parametrize("name", list(CASES))
def test_tables_unchanged(name: str) -> None:
    case = CASES[name]
    fresh = run_case(case)
    for table_name in case.tables():
        path = DATA / name / f"{table_name}.parquet"
        assert path.exists(), f"no golden table {path}: run python -m tests.golden.regenerate"
        stored = pd.read_parquet(path)
        got = fresh[table_name].reset_index(drop=True)
        # parquet round trip of the fresh table, so both sides have the same storage types
        got = pd.read_parquet(_round_trip(got))
        pd.testing.assert_frame_equal(got, stored, check_exact=True, obj=f"{name}/{table_name}")


def _round_trip(table: pd.DataFrame):
    import io

    buffer = io.BytesIO()
    table.to_parquet(buffer, index=False)
    buffer.seek(0)
    return buffer


def test_every_case_is_stored() -> None:
    stored = {path.name for path in DATA.iterdir() if path.is_dir()}
    assert stored == set(CASES)
