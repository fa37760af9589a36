"""MLD1xx: data dependencies and boundary erosion (Sculley et al. §2-4)."""
