"""Back office of the tax feature (imported by services/wagtail_hooks.py so its hooks register)."""
