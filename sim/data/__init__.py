"""Bundled data files: the default scenario, ``flanders-autumn-2020.yaml``."""
