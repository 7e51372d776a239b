"""Business rules of absences (to be written)."""
