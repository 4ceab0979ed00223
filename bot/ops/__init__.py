"""Operator tooling: health checks and Prometheus metrics (``health``, ``metrics``, ``server``, ``probe``)."""
