"""Business rules of meetings (to be written)."""
