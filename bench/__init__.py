"""Benchmarks of the portal at city scale: `python -m bench` (docs/performance.md)."""
