"""The facilitator's view of a community's health: who is active, quiet or lapsed, and how the
community does over the last 12 months (web/health.py shows it; csv_export.py downloads it)."""
