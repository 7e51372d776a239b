"""The generic interface for specialist applications (filled by the integrations issue)."""
