"""Importers for Vigilant Solutions / Motorola Solutions (LEARN, VehicleManager) exports."""
