"""Back office of the parking feature (imported by services/wagtail_hooks.py so its hooks register)."""
