"""Figures, the statutory annual tables, charts and exports."""
