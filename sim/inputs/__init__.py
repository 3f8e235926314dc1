"""Inputs: from a scenario file to the compiled plan the engine plays.

``scenario`` (the validated, frozen scenario, one module per section),
``epidemic`` (expected cases per day: waves, SEIR, CSV), ``arrivals``
(case releases and inbound arrivals, non-homogeneous Poisson), ``streams``
(one named random stream per input) and ``compile`` (the :class:`Plan`:
seconds, rates and shifts).
"""
