"""Swiss date and number formats."""
