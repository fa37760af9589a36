"""MLD4xx: changes in the external world (Sculley et al. §7)."""
