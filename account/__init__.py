"""Identity: users, organisations and memberships, profile, acting context and the dashboard."""
