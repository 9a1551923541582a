"""Benchmarks, not tests: each prints `name: value (ratio to anchor)` lines; results go in RESULTS.md."""
