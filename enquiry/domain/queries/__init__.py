"""Read-only queries: the one place that decides what a user may see."""
