"""Pure rules of the office: no database, no Flask."""
