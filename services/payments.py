"""Fees and how they are paid: QR-bill invoices, the online provider interface, confirmations."""
