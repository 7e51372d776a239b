"""Business rules of grades (to be written)."""
