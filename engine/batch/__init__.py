"""Batch evaluation at catalog scale: columns in, one result row per input row and round out (see run.py)."""
