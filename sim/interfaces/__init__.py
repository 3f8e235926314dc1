"""Interfaces: the command line and the public Python API; they only call the layers below.

``cli`` (the ``tracesim`` command), ``calculator`` (``tracesim erlang``) and
``api`` (what ``import sim`` offers, re-exported lazily by :mod:`sim`).
"""
