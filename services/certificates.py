"""Certificates (Wohnsitzbescheinigung …): issue as PDF with a verification code, verify, revoke."""
