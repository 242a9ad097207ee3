"""Alembic migrations of the gridarena schema, shipped inside the package."""
