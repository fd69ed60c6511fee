"""Importers for Flock Safety exports."""
