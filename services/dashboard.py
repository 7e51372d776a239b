"""The cases section of the account dashboard (registered with account.dashboard)."""
