"""Screens of the coding workbench (summary.py and review.py are plugged in by their issues)."""
