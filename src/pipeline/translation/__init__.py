"""Translations against their sources: pairing by id, states (stale, missing, orphaned), structure, and the draft and accept edits."""
