"""MLD0xx: mldebt itself (unparsable sources, unused suppressions)."""
