"""Ingest: detect a file's format by content, parse it with explicit cell rules, commit it."""
