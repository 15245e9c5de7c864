"""Spec sheet -> metrics: the shared definitions and the exact computation."""
