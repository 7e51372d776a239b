"""Template tags of services: case status badges, CHF amounts and the answers of a case."""
