"""Routers of the HTTP API, one module per area of the seeds' endpoints."""
