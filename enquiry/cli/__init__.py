"""Every `flask ...` command."""
