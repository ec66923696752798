"""Importers: another tool's site turned into a pipeline site (`pipeline import hugo`)."""
