"""Queries that decide what a user or a citizen may see; front doors call them."""
