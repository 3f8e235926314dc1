"""Named random streams and distribution samplers.

Replication ``r`` of an experiment with seed ``seed`` draws stream ``name``
from ``np.random.SeedSequence(seed, spawn_key=(r, crc32(name)))``: each random
input has its own generator, so adding a stream never shifts another, and two
scenarios run with the same seed share common random numbers input by input.
There is no global random state anywhere in the package.
"""

from __future__ import annotations

import zlib
from collections.abc import Callable, Iterator

import numpy as np

from sim.inputs.scenario import Count, Dist

STREAMS = (
    "cases",
    "traced",
    "release",
    "inbound_arrivals",
    "inbound_handle",
    "inbound_wrap",
    "patience",
    "redial",
    "redial_calls",
    "index_reach",
    "index_handle",
    "index_wrap",
    "index_failed",
    "contacts_count",
    "contact_phone",
    "contact_reach",
    "contact_handle",
    "contact_wrap",
    "contact_failed",
    "absence-<day>",
    "forecast",
)
"""The named streams the engine uses (documentation; any name works)."""


def stream(seed: int, replication: int, name: str) -> np.random.Generator:
    """Return the generator of stream ``name`` in replication ``replication``.

    Parameters
    ----------
    seed
        The experiment's seed.
    replication
        Replication index (0-based).
    name
        Stream name, e.g. ``"inbound_arrivals"``.

    Returns
    -------
    numpy.random.Generator
        A PCG64 generator seeded from ``SeedSequence(seed, spawn_key=(replication, crc32(name)))``.
    """
    key = zlib.crc32(name.encode())
    sequence = np.random.SeedSequence(seed, spawn_key=(replication, key))
    return np.random.Generator(np.random.PCG64(sequence))


def draw_seconds(spec: Dist, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw ``size`` durations in seconds from a :class:`~sim.inputs.scenario.Dist`.

    ``lognormal`` and ``gamma`` are parameterised by mean and cv; cv 0 gives
    the mean exactly. ``empirical`` samples the listed values with replacement.
    """
    if spec.dist == "empirical":
        values = np.asarray(spec.values, dtype=float)
        weights = None
        if spec.weights is not None:
            weights = np.asarray(spec.weights, dtype=float)
            weights = weights / weights.sum()
        return rng.choice(values, size=size, p=weights)
    mean_s = float(spec.mean or 0.0)
    if spec.dist == "deterministic" or mean_s == 0.0:
        return np.full(size, mean_s)
    if spec.dist == "exponential":
        return rng.exponential(mean_s, size)
    cv = spec.cv
    if cv == 0.0:
        return np.full(size, mean_s)
    if spec.dist == "lognormal":
        sigma2 = np.log1p(cv * cv)
        return rng.lognormal(np.log(mean_s) - sigma2 / 2.0, np.sqrt(sigma2), size)
    shape = 1.0 / (cv * cv)
    return rng.gamma(shape, mean_s / shape, size)


def draw_counts(spec: Count, rng: np.random.Generator, size: int) -> np.ndarray:
    """Draw ``size`` counts: Poisson(mean), or negative binomial.

    The negative binomial has mean and dispersion k (variance mean + mean^2/k)
    and is drawn as a gamma-Poisson mixture.
    """
    if spec.mean == 0.0:
        return np.zeros(size, dtype=np.int64)
    if spec.dispersion is None:
        return rng.poisson(spec.mean, size)
    k = spec.dispersion
    return rng.poisson(rng.gamma(k, spec.mean / k, size))


def buffered(draw: Callable[[int], np.ndarray], block: int = 4096) -> Iterator:
    """Return an endless iterator over values drawn ``block`` at a time.

    ``next(it)`` costs a few tens of nanoseconds, which is what the engine's
    hot loop needs. The sequence depends only on the generator's state and the
    block size, so it is reproducible.
    """

    def generate() -> Iterator:
        while True:
            yield from draw(block).tolist()

    return generate()
