"""Full-text search: one tokenizer for SQLite FTS5 and PostgreSQL, and the index of tickets."""
