"""Statistics, charts and periodic reports for the coordinator (issue 7)."""
