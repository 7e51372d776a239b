"""Business rules of lunch (to be written)."""
