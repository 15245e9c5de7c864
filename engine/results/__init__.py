"""Verdicts -> results: per chip and round, combined as of a date, and over time."""
