"""Tax accounts: activation by taxpayer number and letter code, upserts from the tax application."""
