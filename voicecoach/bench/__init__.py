"""Benchmarks run by hand: ``python -m voicecoach.bench NAME [options]``."""
