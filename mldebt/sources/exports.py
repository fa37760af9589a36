"""Recognising scripts exported from notebooks (`jupyter nbconvert --to script`, jupytext), which rules
treat like the notebooks they came from."""

from __future__ import annotations

import ast
import re

from mldebt.sources.comments import comments_in

_EXPORT_MARKERS = re.compile(r"^# In\[[\d ]*\]:\s*$|^#\s+formats:.*ipynb", re.M)


def looks_exported(text: str) -> bool:
    """`# In[ ]:` cell markers or a jupytext header in real comments, or real `get_ipython()` calls, never
    the same text inside a string (a converter script mentions them)."""
    comments = "\n".join(comment for _, column, comment in comments_in(text) if column == 1)
    if _EXPORT_MARKERS.search(comments):
        return True
    if "get_ipython" not in text:
        return False
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False
    return any(isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == "get_ipython"
               for n in ast.walk(tree))
