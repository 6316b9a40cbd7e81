"""Benchmarks: ``python -m benchmarks`` prints one table of every performance target, side by side."""
