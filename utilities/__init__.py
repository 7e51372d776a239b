"""Utility ePortal: customers, contracts, meters, readings, invoices (filled by the utilities issue)."""
