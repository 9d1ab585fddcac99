"""Provenance: a transparency log of signed piece histories (issue 5, SPEC S4)."""
