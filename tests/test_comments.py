"""`comments_in` finds exactly the comments `tokenize` finds (it replaces tokenize for speed)."""

from __future__ import annotations

import io
import tokenize
from pathlib import Path

import pytest

from mldebt.sources.comments import comments_in

TRICKY = [
    "x = 1  # a comment\n",
    "s = '# not a comment'  # but this is\n",
    's = "it\'s # still a string" # real\n',
    "s = '''\n# inside a triple-quoted string\n'''  # after it\n",
    's = """a \\""" # still inside\n"""\n# next line\n',
    "s = r'\\' # raw strings escape quotes too'\n# yes\n",
    "f = f'{x}#{y}'  # f-string\n",
    "b = rb'#' + Rb\"#\"  # prefixes\n",
    "s = 'line \\\n# continued string'\n# after\n",
    "def f():\n    # indented\n    return '#'\n",
    "#!/usr/bin/env python\n# -*- coding: utf-8 -*-\n",
    "x = 1\r\n# windows line end\r\n",
    "no comments at all\n",
    "d = {'#': 1, \"#\": 2}  # dict of hashes\n",
]


def _tokenize(code: str) -> list[tuple[int, int, str]]:
    return [(t.start[0], t.start[1] + 1, t.string) for t in tokenize.generate_tokens(io.StringIO(code).readline)
            if t.type == tokenize.COMMENT]


@pytest.mark.parametrize("code", TRICKY)
def test_matches_tokenize_on_tricky_code(code):
    assert comments_in(code) == _tokenize(code)


def test_matches_tokenize_on_mldebts_own_source():
    package = Path(__file__).resolve().parent.parent / "mldebt"
    for path in sorted(package.rglob("*.py")):
        code = path.read_text(encoding="utf-8")
        assert comments_in(code) == _tokenize(code), path
