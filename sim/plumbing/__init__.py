"""Process plumbing: workers, locks, the garbage collector, progress; nothing of the model.

``lifeline`` (child processes end with their parent; signals held while
forking; one way to stop processes), ``workers`` (default worker count and a
worker's start), ``forked`` (a process forked early that runs one call sent
later), ``locks`` (one writer per directory), ``collector`` (the cyclic
garbage collector around start-up and exit) and ``progress`` (one progress bar).
"""
