"""Per-file facts: everything the project-wide rules need from one file, as plain picklable data."""
