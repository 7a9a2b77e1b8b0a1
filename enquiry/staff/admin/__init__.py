"""The administrators' pages: users, departments, routing rules, canned replies, audit."""
