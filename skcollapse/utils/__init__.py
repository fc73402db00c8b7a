"""Utilities of skcollapse."""
