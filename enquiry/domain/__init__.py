"""Every state change, and who may see what: verbs take the session and flush; callers commit."""
