"""Shared fixtures: small scenarios built in code so tests never read ../shared."""

from __future__ import annotations

from pathlib import Path

import matplotlib
import pytest

import sim.staffing  # noqa: F401  (the staffing policies are plug-ins: register them)

matplotlib.use("Agg")

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = ROOT / "scenarios"


@pytest.fixture
def quick_path() -> Path:
    return SCENARIOS / "quick.yaml"


@pytest.fixture
def mmc_path() -> Path:
    return SCENARIOS / "mmc-validation.yaml"
