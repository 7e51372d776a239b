"""Swiss formats in every language: the same as German (27.11.2026, 1’250.50)."""

from config.formats.de.formats import *  # noqa: F403
