"""Business rules of courses (to be written)."""
