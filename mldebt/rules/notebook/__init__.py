"""MLD5xx: notebook hygiene."""
