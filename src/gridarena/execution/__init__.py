"""Order lifecycle: client ids, tracking, submission and reconciliation."""
