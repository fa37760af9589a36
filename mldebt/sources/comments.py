"""Finding the comments in Python source without `tokenize`.

On Python 3.11 `tokenize` is pure Python: on a 2,000-file project it took longer than parsing and fact
extraction together. A comment is a `#` that is not inside a string literal, so one regular expression
that matches either a whole string literal (every prefix and quote form) or a comment finds exactly the
comments `tokenize` reports, at C speed. The test suite checks the two agree on real code.
"""

from __future__ import annotations

import bisect
import re
from itertools import accumulate

_STRING_OR_COMMENT = re.compile(
    r"""(?P<string>[rRbBuUfF]{0,2}(?:'''(?:[^'\\]|\\.|'(?!''))*(?:'''|\Z)"""
    r'''|"""(?:[^"\\]|\\.|"(?!""))*(?:"""|\Z)'''
    r"""|'(?:[^'\\\n]|\\.)*(?:'|$)"""
    r'''|"(?:[^"\\\n]|\\.)*(?:"|$)))'''
    r"|(?P<comment>#[^\n]*)",
    re.DOTALL | re.MULTILINE,
)


def comments_in(code: str) -> list[tuple[int, int, str]]:
    """(line, column, text) of each comment in `code`; line and column are 1-based, text starts at `#`."""
    if "#" not in code:
        return []
    starts: list[int] | None = None
    found: list[tuple[int, int, str]] = []
    for match in _STRING_OR_COMMENT.finditer(code):
        text = match.group("comment")
        if text is None:
            continue
        if starts is None:
            starts = list(accumulate((len(line) + 1 for line in code.split("\n")), initial=0))
        offset = match.start()
        line = bisect.bisect_right(starts, offset)
        found.append((line, offset - starts[line - 1] + 1, text.rstrip("\r")))
    return found
