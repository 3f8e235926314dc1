"""The cyclic garbage collector around the command line's start-up and exit.

Importing pandas, scipy, pydantic and matplotlib creates about a million
objects that live until the process ends. While they are being created the
collector runs again and again over them and frees nothing; at exit the
interpreter's final collections walk all of them once more. Python's own
documentation of :func:`gc.freeze` gives the remedy this module applies:
disable the collector early, freeze what start-up created once it is done
(collections then skip those objects, and forked workers do not touch their
memory pages, which stay shared), and enable it again.

Only the ``tracesim`` console script calls :func:`pause`; code that imports
:mod:`sim` (a notebook, the tests calling :func:`sim.interfaces.cli.main`) keeps its
collector as it is, because freezing also keeps whatever garbage exists at
that moment for the life of the process: harmless in a command that ends,
not in a long session.
"""

from __future__ import annotations

import gc

_paused = False


def pause() -> None:
    """Disable the collector for the start-up (imports) of the console script.

    Does nothing when the collector is already disabled (someone else's
    choice, which :func:`resume` then leaves alone).
    """
    global _paused
    if gc.isenabled():
        gc.disable()
        _paused = True


def resume() -> None:
    """Start-up is over: freeze what it created and collect from now on.

    A no-op unless :func:`pause` disabled the collector in this process (or
    in the parent it was forked from). Call it before forking workers that
    run for long, so that they start with the collector enabled.
    """
    global _paused
    if _paused:
        gc.freeze()
        gc.enable()
        _paused = False


def skip_at_exit() -> None:
    """Freeze everything before the process exits: its last collections then have nothing to walk.

    Saves about a quarter of a second at the end of every run (measured with
    pandas, scipy and matplotlib loaded). Objects are still finalised as the
    modules are torn down; only garbage in reference cycles is left to the
    operating system, which reclaims the whole process anyway.
    """
    gc.freeze()
