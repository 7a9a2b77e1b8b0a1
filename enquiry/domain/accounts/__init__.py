"""Staff accounts: passwords, signing in (lockout, one-time passwords) and sessions."""
