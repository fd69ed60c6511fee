"""Audit rules over the store: purpose classification and the rule families."""
