"""Experiments: replications, and everything that needs many simulations to answer.

``replications`` (a scenario over replications, in parallel, into
:class:`~sim.experiments.results.RunResults`), ``executor`` (local worker
processes or dask), ``planning`` and ``least_staffing`` (the least staffing by
simulation, planned before a run; ``isa``, the iterative-staffing algorithm),
``attribution`` (idle against a bound on the same seeds), ``compare``,
``sweep``, ``optimise`` and ``cache`` (points computed once), ``memory`` (the
size guard).
"""
