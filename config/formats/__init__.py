"""Locale-specific formats."""
