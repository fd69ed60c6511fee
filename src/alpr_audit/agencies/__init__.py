"""The agency registry: canonical names, state, level and flags."""
