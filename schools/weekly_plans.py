"""Business rules of weekly_plans (to be written)."""
