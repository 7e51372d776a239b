"""Back office of the certificate feature (imported by services/wagtail_hooks.py so its hooks register)."""
