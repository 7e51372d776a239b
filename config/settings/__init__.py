"""Settings split by environment: base, dev, production, test."""
