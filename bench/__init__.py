"""Benchmarks (not tests): page timings, memory and browser figures at scale 1 and 100.

Run ``python -m bench.run``; results go to ``bench/RESULTS.md``.
"""
