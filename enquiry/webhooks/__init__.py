"""Webhooks below the domain: the HTTP transport with its address checks, the delivery."""
