"""Mail coming in, above the domain: store raw, thread, act, from every source."""
