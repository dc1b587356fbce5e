"""Benchmarks: scripts that print timings (not tests). Run e.g. `.venv/bin/python -m bench.bench_demand`."""
