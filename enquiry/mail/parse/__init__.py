"""Inbound mail: raw bytes to a ParsedMail. Pure: no Flask, no database."""
