"""Tests of services: forms, service pages, cases."""
