"""Benchmarks of webinar-bot against the local sandbox Bot API server (`make bench`)."""
