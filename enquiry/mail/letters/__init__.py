"""Formal letters (告知书): their wording in the citizen's language, and their PDF."""
