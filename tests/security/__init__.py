"""Security headers and content security policy, checked across the portal's page types."""
