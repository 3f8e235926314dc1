"""Basics: leaf modules that every layer may use and that import nothing of ``sim``.

``units`` (seconds, parsing and writing durations and clock times), ``errors``
(the error classes and one-line messages) and ``theory`` (queueing formulas:
Erlang B, C and A, offered load, square-root staffing), used by the staffing
policies, the analysis and the tests.
"""
