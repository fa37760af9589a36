"""MLD2xx: ML-system anti-patterns (Sculley et al. §5)."""
