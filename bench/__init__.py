"""Podium's benchmarks: `python -m bench` (or `make bench`, `podium bench`)."""
