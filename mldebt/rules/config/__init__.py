"""MLD3xx: configuration debt (Sculley et al. §6)."""
