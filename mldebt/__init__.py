"""mldebt: a notebook-first linter for the hidden technical debt of machine-learning code."""

__version__ = "0.1.0"
