"""The expected cases of one demand model: what a ``waves``, ``seir`` or ``csv`` section gives.

Read by the cross-field checks (a CSV that cannot be read or misses days is
an error of the scenario) and by :mod:`sim.inputs.compile`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sim.basics.units import DAY_S
from sim.inputs.scenario.calendar import Calendar
from sim.inputs.scenario.demand import CsvEpidemic, SeirEpidemic, SingleEpidemic, WavesEpidemic

if TYPE_CHECKING:
    import numpy as np


def source_cases(model: SingleEpidemic, cal: Calendar) -> np.ndarray:
    """Return the expected confirmed cases per day of one demand model.

    Parameters
    ----------
    model
        One demand model (``scenario.epidemic`` or one of its ``sources``).
    cal
        The calendar.

    Returns
    -------
    numpy.ndarray
        Float array of length ``calendar.days``.

    Raises
    ------
    ValueError
        When a CSV cannot be read or does not cover the calendar
        (:class:`~sim.basics.errors.DataError`, naming the file and the row or the
        missing dates).
    """
    from sim.inputs import epidemic  # numpy, pandas and scipy: not at the schema's import

    if isinstance(model, WavesEpidemic):
        waves = [(float(cal.day_of(w.peak_date)), w.peak_per_day, w.rise / DAY_S, w.fall / DAY_S)
                 for w in model.waves]
        return epidemic.waves_daily(cal.days, waves, model.baseline_per_day, shape=model.shape)
    if isinstance(model, SeirEpidemic):
        r_schedule = [(float(cal.day_of(step.from_date)), step.r) for step in model.r]
        return epidemic.seir_daily(
            cal.days, model.population, model.initial_exposed, model.initial_infectious,
            model.initial_recovered, r_schedule, model.incubation / DAY_S,
            model.infectious_period / DAY_S, model.ascertainment)
    assert isinstance(model, CsvEpidemic)
    scale = (model.scale if not isinstance(model.scale, list) else epidemic.step_values(
        cal.days, [(cal.day_of(step.from_date), step.scale) for step in model.scale]))
    return epidemic.csv_daily(
        model.path, cal.start, cal.days, date_column=model.date_column,
        cases_column=model.cases_column, filter=model.filter, scale=scale,
        drop_missing_dates=model.drop_missing_dates, fill_missing=model.fill_missing,
        date_format=model.date_format, separator=model.separator)
