"""Parking permits: issue and renew on payment, permit PDF, reminders before expiry, expiry marking."""
