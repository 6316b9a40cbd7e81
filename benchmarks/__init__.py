"""Benchmarks: ``python -m benchmarks`` prints one table of every performance target, measured side by side."""
