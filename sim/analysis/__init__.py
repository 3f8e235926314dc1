"""Analysis: figures of merit from what the engine recorded, money, and their uncertainty.

``metrics`` (every figure from additive sums, per interval, day and run;
tables; confidence intervals over replications), ``periods`` (weekly and
monthly tables), ``costs`` (all money, priced once) and ``frontier`` (the
Pareto frontier of two metrics over sweep points).
"""
