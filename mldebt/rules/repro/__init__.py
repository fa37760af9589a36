"""MLD6xx: reproducibility and evaluation correctness."""
