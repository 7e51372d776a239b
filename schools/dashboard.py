"""The school sections of the account dashboard (to be written)."""
