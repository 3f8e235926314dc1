"""An Excel workbook of a run (``tracesim run --excel``): summary, daily, monthly, agents.

Needs the optional dependency ``openpyxl`` (``pip install 'tracesim[excel]'``). Shares
are written as numbers 0-1 with a percentage number format, so Excel shows ``25.0 %`` and
formulas still see 0.25; money gets two decimals, hours one.
"""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import Any

import pandas as pd

from sim.outputs.folder_readme import unit_of

__all__ = ["write_workbook"]

def _number_format(column: str) -> str | None:
    unit = unit_of(column)
    return {"share": "0.0%", "money": "#,##0.00", "h": "#,##0.0", "s": "0.0",
            "agents": "0.0"}.get(unit or "")


def _write_sheet(writer: Any, name: str, table: pd.DataFrame) -> None:
    table.to_excel(writer, sheet_name=name, index=False, freeze_panes=(1, 0))
    sheet = writer.sheets[name]
    for index, column in enumerate(table.columns, start=1):
        letter = sheet.cell(row=1, column=index).column_letter
        sheet.column_dimensions[letter].width = max(10, min(40, len(str(column)) + 2))
        fmt = _number_format(str(column))
        if fmt is None:
            continue
        for cell in sheet[letter][1:]:
            cell.number_format = fmt
    if "metric" in table.columns:  # a summary: each row in its metric's format
        values = [i for i, c in enumerate(table.columns, start=1)
                  if c in ("mean", "sd", "ci_low", "ci_high")]
        for row, metric in enumerate(table["metric"], start=2):
            fmt = _number_format(str(metric))
            for column in values if fmt else ():
                sheet.cell(row=row, column=column).number_format = fmt


def _summary_sheet(summary: pd.DataFrame) -> pd.DataFrame:
    out = summary.copy()
    out.insert(2, "unit", [unit_of(str(m)) or "" for m in out["metric"]])
    return out


def write_workbook(path: str | Path, tables: dict[str, pd.DataFrame]) -> Path:
    """Write ``results.xlsx``: one sheet per table, in the order given.

    Parameters
    ----------
    path : str or pathlib.Path
        The workbook to write.
    tables : dict of str to pandas.DataFrame
        The sheets by name (a run's: ``summary``, ``daily``, ``monthly``,
        ``agents``); a ``summary`` sheet gets each metric's unit, a ``date``
        column is written as dates.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    ImportError
        With the way to install ``openpyxl`` when it is missing.
    """
    if importlib.util.find_spec("openpyxl") is None:  # pragma: no cover - environment
        raise ImportError("--excel needs openpyxl: pip install 'tracesim[excel]'")
    path = Path(path)
    with pd.ExcelWriter(path, engine="openpyxl") as writer:
        for name, table in tables.items():
            sheet = _summary_sheet(table) if name == "summary" else table
            if "date" in sheet.columns:
                sheet = sheet.assign(date=pd.to_datetime(sheet["date"]).dt.date)
            _write_sheet(writer, name.rsplit("/", 1)[-1][:31], sheet)
    return path
