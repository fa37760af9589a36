"""A generated corpus of hostile inputs: every way a notebook or script can be broken, odd or huge.

`build(root)` writes it and returns {relative path: expectation}, where expectation is "mld001" (one
MLD001 finding naming the file), "skipped" (noted, no finding), "ok" (analysed normally), or "ignored"
(not a scannable file at all). Large inputs are generated here rather than stored in the repository.
"""

from __future__ import annotations

import json
import os
from pathlib import Path

from mldebt.testing import notebook_json

GOOD_CELL = 'import pandas as pd\ndf = pd.read_csv("/home/ana/data/train.csv")\nprint(df.shape)\n'


def _nb(cells: list, **extra) -> str:
    doc = {"cells": cells, "metadata": {}, "nbformat": 4, "nbformat_minor": 5}
    doc.update(extra)
    return json.dumps(doc)


def _code(source, **extra) -> dict:
    cell = {"cell_type": "code", "execution_count": 1, "metadata": {}, "outputs": [], "source": source}
    cell.update(extra)
    return cell


def build(root: Path) -> dict[str, str]:
    files: dict[str, tuple[bytes | str, str]] = {
        # broken notebook JSON
        "nb/truncated.ipynb": (notebook_json([GOOD_CELL])[:57], "mld001"),
        "nb/not_json.ipynb": ("{this is not json", "mld001"),
        "nb/empty.ipynb": ("", "mld001"),
        "nb/whitespace.ipynb": ("  \n\n ", "mld001"),
        "nb/empty_object.ipynb": ("{}", "mld001"),
        "nb/array.ipynb": ("[]", "mld001"),
        "nb/string.ipynb": ('"notebook"', "mld001"),
        "nb/null.ipynb": ("null", "mld001"),
        "nb/deep_json.ipynb": ("[" * 100_000 + "]" * 100_000, "mld001"),
        "nb/latin1.ipynb": (b'{"cells": [], "metadata": {"author": "Jos\xe9"}, "nbformat": 4}', "mld001"),
        "nb/binary.ipynb": (bytes(range(256)) * 4, "mld001"),
        # wrong types in every field
        "nb/cells_str.ipynb": (_nb("cells"), "mld001"),  # type: ignore[arg-type]
        "nb/cells_items.ipynb": (_nb([1, None, "x", [], _code(GOOD_CELL)]), "mld001"),
        "nb/source_int.ipynb": (_nb([_code(5), _code(GOOD_CELL)]), "mld001"),
        "nb/source_null.ipynb": (_nb([_code(None), _code(GOOD_CELL)]), "mld001"),
        "nb/source_mixed_list.ipynb": (_nb([_code(["x = 1\n", 2]), _code(GOOD_CELL)]), "mld001"),
        "nb/odd_fields.ipynb": (_nb([_code(GOOD_CELL, execution_count="seven", metadata=[], id=5),
                                    {"cell_type": 3, "source": "x"}, {"source": "no type"},
                                    {"cell_type": "raw", "source": "raw text"}],
                                   metadata=[], nbformat="4"), "ok"),
        "nb/tags_not_list.ipynb": (_nb([_code(GOOD_CELL, metadata={"tags": "mldebt-ignore"})]), "ok"),
        "nb/kernelspec_odd.ipynb": (_nb([_code(GOOD_CELL)], metadata={"kernelspec": 3, "language_info": []}), "ok"),
        # old formats and other kernels
        "nb/v3.ipynb": (json.dumps({"nbformat": 3, "nbformat_minor": 0, "metadata": {"name": "old"},
                                    "worksheets": [{"cells": [
                                        {"cell_type": "heading", "level": 1, "source": "Old"},
                                        {"cell_type": "code", "language": "python", "input": GOOD_CELL,
                                         "prompt_number": 1, "outputs": []}]}]}), "ok"),
        "nb/v3_broken.ipynb": (json.dumps({"nbformat": 3, "worksheets": "nope"}), "ok"),
        "nb/v2.ipynb": (json.dumps({"nbformat": 2, "worksheets": []}), "mld001"),
        "nb/r_kernel.ipynb": (notebook_json(["library(dplyr)\nx <- read.csv('/home/ana/x.csv')"],
                                            language="R"), "skipped"),
        "nb/julia_kernel.ipynb": (_nb([_code("using CSV")], metadata={"kernelspec": {"name": "julia-1.9"}}), "skipped"),
        # cells: syntax errors, Python 2, IPython syntax of every kind
        "nb/syntax_error_cell.ipynb": (notebook_json(["def broken(:\n    pass", GOOD_CELL]), "mld001"),
        "nb/python2_cell.ipynb": (notebook_json(['print "hello"', "except_ = 1", GOOD_CELL]), "mld001"),
        "nb/ipython.ipynb": (notebook_json([
            "%%bash\nls -la\necho done", "%%time\nx = 1", "%matplotlib inline\n%load_ext autoreload\n%autoreload 2",
            "files = !ls data\nx = %env HOME", "df?", "??pd.read_csv", "%time y = \\\n    1 + 1",
            "if True:\n    !echo indented\n    %time z = 2", "%%capture out\nprint(1)", "%%writefile out.txt\nhello",
            "%%javascript\nconsole.log(1)", "!pip install pandas==2.2.0", GOOD_CELL]), "ok"),
        "nb/crlf_cells.ipynb": (notebook_json([GOOD_CELL.replace("\n", "\r\n")]), "ok"),
        "nb/nul_in_cell.ipynb": (notebook_json(["x = '\x00'\n", GOOD_CELL]), "mld001"),
        "nb/no_cells_key.ipynb": (json.dumps({"metadata": {}, "nbformat": 4}), "mld001"),
        "nb/huge_outputs.ipynb": (_nb([_code(GOOD_CELL, outputs=[{"output_type": "display_data", "metadata": {},
                                                                   "data": {"image/png": "A" * 3_000_000}}])]), "ok"),
        # scripts
        "py/empty.py": ("", "ok"),
        "py/syntax_error.py": ("def f(:\n    return 1\n", "mld001"),
        "py/python2.py": ('print "hello"\nexec "x = 1"\n', "mld001"),
        "py/binary.py": (b"\x7fELF\x02\x01\x01\x00" + bytes(range(256)) * 8, "mld001"),
        "py/nul_bytes.py": (b"x = 1\n\x00\x00\ny = 2\n", "mld001"),
        "py/undecodable.py": (b"x = '\xff\xfe\xfa'\n", "mld001"),
        "py/bad_cookie.py": (b"# -*- coding: klingon -*-\nx = 1\n", "mld001"),
        "py/latin1_cookie.py": ("# -*- coding: latin-1 -*-\nname = 'Jos\xe9'\n".encode("latin-1"), "ok"),
        "py/bom.py": (b"\xef\xbb\xbf" + GOOD_CELL.encode(), "ok"),
        "py/crlf.py": (GOOD_CELL.replace("\n", "\r\n"), "ok"),
        "py/cr_only.py": (GOOD_CELL.replace("\n", "\r"), "ok"),
        "py/deep_parens.py": ("x = " + "(" * 5000 + "1" + ")" * 5000 + "\n", "mld001"),
        "py/deep_lists.py": ("x = " + "[" * 200 + "]" * 200 + "\n", "ok"),
        "py/long_expression.py": (  # deeper than CPython's own compiler recursion limit
            "total = " + " + ".join(f"v{i}" for i in range(20_000)) + "\n", "mld001"),
        "py/deep_blocks.py": ("".join("    " * i + "if x:\n" for i in range(90)) + "    " * 90 + "pass\n", "ok"),
        "py/huge.py": (GOOD_CELL + "x = 1\n" * 50_000, "ok"),
        "nb/huge_cell.ipynb": (notebook_json([GOOD_CELL + "blob = '" + "A" * 3_000_000 + "'\n"]), "ok"),
        "py/exported_notebook.py": ("#!/usr/bin/env python\n# coding: utf-8\n\n# In[1]:\n\n\n" + GOOD_CELL +
                                    "\n\n# In[ ]:\n\n\nget_ipython().run_line_magic('matplotlib', 'inline')\n", "ok"),
        "py/tabs_spaces.py": ("if True:\n\tx = 1\n        y = 2\n", "mld001"),
        "py/only_comments.py": ("# nothing here\n# at all\n", "ok"),
    }
    expectations: dict[str, str] = {}
    for rel, (content, expect) in files.items():
        path = root / rel
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, bytes):
            path.write_bytes(content)
        else:
            path.write_text(content, encoding="utf-8", newline="")
        expectations[rel] = expect
    # a valid neighbour that must keep its findings
    (root / "good.py").write_text(GOOD_CELL, encoding="utf-8")
    expectations["good.py"] = "ok"
    (root / "good.ipynb").write_text(notebook_json([GOOD_CELL]), encoding="utf-8")
    expectations["good.ipynb"] = "ok"
    # file-system oddities
    (root / "fs").mkdir()
    (root / "fs" / "folder.ipynb").mkdir()
    (root / "fs" / "folder.py").mkdir()
    expectations["fs/folder.ipynb"] = "ignored"
    try:
        os.symlink("..", root / "fs" / "loop")
        os.symlink(root / "fs", root / "fs" / "self")
        os.symlink(root / "does-not-exist.py", root / "fs" / "dangling.py")
        expectations["fs/dangling.py"] = "mld001"
    except OSError:  # no symlinks on this platform
        pass
    (root / ".mldebt.yaml").write_text("{}\n", encoding="utf-8")
    return expectations
