"""Back office of the payment feature (imported by services/wagtail_hooks.py so its hooks register)."""
