"""Auric: commerce for jewelry brands."""
