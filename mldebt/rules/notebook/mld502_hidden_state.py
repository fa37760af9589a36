"""MLD502 hidden-state."""

from __future__ import annotations

import builtins
import re
from typing import Iterable

from mldebt import knowledge as kb
from mldebt.facts.model import Finding
from mldebt.facts.scopes import NameEvent, global_name_events
from mldebt.rules.base import Example, FileContext, FileRule

_BUILTINS = frozenset(dir(builtins)) | {"aiter", "anext", "ExceptionGroup", "BaseExceptionGroup", "EncodingWarning",
                                        "PythonFinalizationError"}
_IPYTHON_HISTORY = re.compile(r"_+|_\d+|_i+|_i\d+|_o?h|_dh")


class HiddenState(FileRule):
    """A cell uses a name that only a later cell defines, or that no cell defines at all.

    ## What it flags
    A read of a global name that nothing above it defines when the notebook runs top to bottom (as
    Restart & Run All does): the name is defined only in a later cell, later in the same cell, by no
    cell at all (the defining cell was deleted or edited), or was removed by an earlier `del`. The
    analysis follows Python's scoping: function, lambda, comprehension and class scopes, `global` and
    `nonlocal`, imports (`import x.y` binds `x`), `for`/`with`/`except`/walrus/`match` targets, and
    IPython constructs (`files = !ls`, `%%capture out`, `%store -r x`, `%time x = fit()`). A name read
    inside a function body counts as read where the function is called (`f(...)`, transitively), so a
    function may use a global defined after the function but before its call. One finding per name,
    at its first failing use; the message names the later cell that defines it, or says no cell does.

    ## Why it is debt
    The notebook works only because of kernel state nobody can see: cells ran in another order, or a
    cell that defined the name is gone. Anyone who re-runs it (a reviewer, CI, you in a month) gets a
    `NameError`, and the saved outputs cannot be reproduced from the code on the page.

    ## Example
    Cell 1 plots `df`, but `df` is only loaded in cell 2.

    ## Fix
    Move the defining cell above its first use, or restore the deleted cell; then Restart & Run All.

    ## Limits
    Quiet whenever it cannot know: after a star import, `%run`, `%load`, `%pylab`, `%store -r`,
    `exec()`, `globals().update()` or an unparsable cell, unresolved names are not reported (names a later
    cell defines are still reported if nothing opaque came before). Reads inside function bodies are only
    checked at direct calls by name; functions passed as callbacks (`df.apply(f)`) and methods other than
    `__init__` are not followed. Code guarded by `try`/`except NameError` or `"x" in globals()`, and names
    a loop body binds (loop-carried), are not reported. A `%%time` body runs in the user namespace, so
    the names it assigns are defined for later cells; `%timeit`/`%%timeit` bodies run inside a function
    in IPython and define nothing, but their assignments are still counted as definitions (so a later
    read of them is not reported). Builtins, IPython's namespace (`display`,
    `get_ipython`, `In`, `Out`, `_`, `_3`, ...) and the `known-names` option are always defined.
    Scripts are not checked (use pyflakes for them).

    ## Options
    `known-names`: names the kernel provides (defaults cover Databricks and PySpark kernels: `spark`,
    `sc`, `sqlContext`, `dbutils`, `displayHTML`).
    """

    id = "MLD502"
    name = "hidden-state"
    family = "notebook-hygiene"
    severity = "error"
    options = {"known-names": ["spark", "sc", "sqlContext", "dbutils", "displayHTML"]}

    VALID = [
        Example(["import pandas as pd\ndf = pd.read_csv('data/train.csv')", "df.describe()"],
                note="defined above its use"),
        Example(["def score(m):\n    return m.score(X_test, y_test)",
                 "from sklearn.datasets import load_iris\nX_test, y_test = load_iris(return_X_y=True)",
                 "from sklearn.tree import DecisionTreeClassifier\n"
                 "model = DecisionTreeClassifier(random_state=0).fit(X_test, y_test)\nscore(model)"],
                note="a function may read globals defined after it, before its call"),
        Example(["files = !ls data\nprint(len(files))",
                 "%%capture out\nprint('quiet')", "out.show()",
                 "%time total = sum(range(10))", "print(total)"],
                note="names bound by magics"),
        Example(["display(In[0], Out, _, get_ipython(), len([1]))", "%run setup.py", "print(config)"],
                note="IPython namespace, builtins, and names %run may define"),
        Example(["from pylab import *", "plot(linspace(0, 1))"], note="star import of an unknown module"),
        Example(["import os.path\nprint(os.getcwd())",
                 "squares = [n * n for n in range(3) if (last := n)]\nprint(last)",
                 "for i in range(3):\n    if i:\n        print(prev)\n    prev = i",
                 "try:\n    cache\nexcept NameError:\n    cache = {}",
                 "if 'seen' not in globals():\n    seen = set()\nprint(seen)",
                 "class Box:\n    size = 3\n    double = [size * 2]\n    def area(self):\n        return self.size",
                 "match [1, 2]:\n    case [first, *rest]:\n        print(first, rest)",
                 "with open('x.txt') as fh:\n    pass\nprint(fh.closed)"],
                note="imports of dotted modules, walrus, loop-carried names, NameError guards, scopes"),
        Example(["def later():\n    return undefined_helper()", "x = 1"],
                note="a function that is never called: unsure, stay quiet"),
        Example(["spark.range(3).show()"], note="names the kernel provides (known-names option)"),
        Example(["import numpy as np\nx = np.arange(3)", "%timeit np.add(x,\n             x)",
                 "%%time\ntotal = np.add(x, x)", "print(total)", "%%timeit -n 1\nsquares = x * x", "print(squares)"],
                note="a magic continued over an open bracket; names a %%time body defines (%%timeit: a limit)"),
    ]
    VALID.append(Example(["import sys\ntext = 'abc'",
                          "if sys.version_info < (3, 0):\n    text = unicode(text)\nprint(text)"],
                         note="a Python 2 branch never runs"))
    INVALID = [
        Example(["import matplotlib.pyplot as plt\nplt.plot(df['loss'])",
                 "import pandas as pd\ndf = pd.read_csv('history.csv')"], expect=1),
        Example([{"source": "import numpy as np", "execution_count": 1},
                 {"source": "preds = model.predict(np.zeros((1, 4)))", "execution_count": 3}], expect=1),
        Example(["def evaluate():\n    return threshold * 2", "evaluate()", "threshold = 0.5"], expect=1),
        Example(["x = 1\ndel x", "print(x)"], expect=1),
        Example(["total = total + 1", "print(total)"], expect=1),
        Example(["import numpy as np\nx = np.arange(3)", "%timeit for v in x: pass", "print(undefined_name)"],
                expect=1),
    ]

    def check(self, ctx: FileContext) -> Iterable[Finding]:
        if not ctx.is_notebook:
            return []
        analysis = global_name_events(ctx.parsed)
        events = analysis.events
        known = _BUILTINS | kb.IPYTHON_NAMESPACE | set(ctx.options.get("known-names", ()))
        first_def: dict[str, list[int]] = {}
        for i, event in enumerate(events):
            if event.kind == "def":
                first_def.setdefault(event.name, []).append(i)
        any_opaque = any(e.kind == "opaque" for e in events)
        defined: set[str] = set()
        deleted: dict[str, NameEvent] = {}
        opaque_seen = False
        reported: set[str] = set()
        findings: list[Finding] = []
        for i, event in enumerate(events):
            name = event.name
            if event.kind == "def":
                defined.add(name)
                deleted.pop(name, None)
            elif event.kind == "del":
                if not event.conditional and name in defined:
                    defined.discard(name)
                    deleted[name] = event
            elif event.kind == "opaque":
                opaque_seen = True
            elif (name not in defined and name not in reported and not event.guarded and not opaque_seen
                  and name not in known and name not in analysis.guarded_names
                  and not _IPYTHON_HISTORY.fullmatch(name)):
                later = next((events[j] for j in first_def.get(name, ()) if j > i), None)
                if later is None and name not in deleted and any_opaque:
                    continue
                reported.add(name)
                findings.append(self.finding(ctx, event, later, deleted.get(name)))
        return findings

    def finding(self, ctx: FileContext, use: NameEvent, later: NameEvent | None,
                deleted: NameEvent | None) -> Finding:
        name = use.name
        related = []
        if use.via is not None:
            body = use.via
            subject = (f"calling `{body.function}()` here reads `{name}` (cell {body.cell.index}, line "
                       f"{body.node.lineno}), which is")
            related.append(ctx.related_at(body.cell, body.node, f"`{body.function}` reads `{name}` here"))
        else:
            subject = f"`{name}` is used here but"
        fails = "Restart & Run All fails here with a NameError"
        if deleted is not None and later is None:
            message = (f"{subject} removed by `del {name}` in cell {deleted.cell.index} (line {deleted.line}) and "
                       f"not defined again before this point: {fails}.")
            related.append(_related(ctx, deleted, f"`{name}` deleted here"))
        elif later is not None and later.cell is use.cell:
            message = (f"{subject} assigned by this cell only after it is read (line {later.line}): it worked only "
                       f"because an earlier run of this cell left `{name}` in the kernel; {fails}.")
            related.append(_related(ctx, later, f"`{name}` defined here"))
        elif later is not None:
            message = (f"{subject} only defined further down, in cell {later.cell.index} (line {later.line}): it "
                       f"worked only because that cell ran first in the live kernel; {fails}.")
            related.append(_related(ctx, later, f"`{name}` defined here"))
        else:
            message = (f"{subject} defined by no cell (was the cell that defined it deleted or edited?): it exists "
                       f"only in the live kernel's memory; {fails}.")
        if use.node is not None:
            return ctx.finding(self, use.cell, use.node, message, related=related)
        return ctx.finding(self, use.cell, None, message, related=related, line=use.line, column=use.column)


def _related(ctx: FileContext, event: NameEvent, message: str) -> dict:
    return {"path": ctx.path, "cell": event.cell.index, "line": event.line, "message": message}
