"""The dashboard section of energy and water (filled by the account pages)."""
