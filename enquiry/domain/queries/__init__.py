"""Queries that decide what a user may see; the front doors call them."""
