"""Service pages, form definitions and cases (filled by the services issue)."""
