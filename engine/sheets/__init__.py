"""Spec sheets: the validated model and the loaders for files and folders."""
