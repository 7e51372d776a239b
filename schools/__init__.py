"""School pages and school records (filled by the schools issue)."""
