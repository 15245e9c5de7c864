"""Metrics -> comparison outcomes (T/F/U), with margins."""
