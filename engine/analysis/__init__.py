"""Analyses of compiled rule sets: the load-time decision-table checks."""
