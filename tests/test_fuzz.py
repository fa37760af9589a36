"""Property tests (hypothesis) for the parsers: the notebook loader, magic masking, cell positions and
the fact extractor. CI runs a few thousand examples; set MLDEBT_FUZZ_EXAMPLES=50000 for a long run."""

from __future__ import annotations

import ast
import json
import os

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mldebt.analysis import analyse_source
from mldebt.config import Config
from mldebt.facts.extract import extract
from mldebt.sources.load import load_notebook, load_script
from mldebt.sources.magics import mask_cell
from mldebt.testing import notebook_json

EXAMPLES = int(os.environ.get("MLDEBT_FUZZ_EXAMPLES", "600"))
FUZZ = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))

json_leaf = st.one_of(st.none(), st.booleans(), st.integers(), st.floats(allow_nan=False), st.text(max_size=30))
json_values = st.recursive(json_leaf, lambda inner: st.one_of(
    st.lists(inner, max_size=5), st.dictionaries(st.text(max_size=10), inner, max_size=5)), max_leaves=30)
cell_keys = st.sampled_from(["cell_type", "source", "execution_count", "metadata", "id", "outputs", "input"])
cells = st.lists(st.one_of(
    json_values,
    st.fixed_dictionaries({"cell_type": st.sampled_from(["code", "markdown", "raw", 3, None]),
                           "source": st.one_of(st.text(max_size=80), st.lists(st.text(max_size=40), max_size=4),
                                               json_values)},
                          optional={k: json_values for k in ["execution_count", "metadata", "id", "outputs"]}),
), max_size=6)
notebooks = st.one_of(json_values, st.fixed_dictionaries(
    {"cells": st.one_of(cells, json_values)},
    optional={"metadata": json_values, "nbformat": st.one_of(st.integers(0, 5), json_values),
              "worksheets": st.one_of(st.lists(st.fixed_dictionaries({"cells": cells}), max_size=2), json_values)}))


@FUZZ
@given(notebooks)
def test_notebook_loader_never_raises(doc):
    source = load_notebook(json.dumps(doc).encode(), "fuzz.ipynb")
    facts = analyse_source(source, Config())
    assert facts.path == "fuzz.ipynb"
    for cell in source.cells:
        assert cell.index is not None and cell.index >= 1
        assert cell.code.count("\n") == cell.raw.count("\n")


@FUZZ
@given(st.binary(max_size=300))
def test_loaders_survive_arbitrary_bytes(data):
    load_notebook(data, "x.ipynb")
    source = load_script(data, "x.py")
    analyse_source(source, Config())


magic_lines = st.sampled_from([
    "%matplotlib inline", "!pip install pandas", "files = !ls -la", "x = %env HOME", "df.head?", "??len",
    "%time y = 1", "!echo a \\", "  continued", "%%time", "%%bash", "if True:", "    !echo x", "    %time z = 3",
    "x = 1", "print(x)", "def f():", "    return 1", "", "# comment", "'''", "s = 'not a %magic'",
])


@FUZZ
@given(st.lists(magic_lines, max_size=12))
def test_masking_keeps_line_numbers(lines):
    text = "\n".join(lines)
    code, magics, cell_magic = mask_cell(text)
    assert code.count("\n") == text.count("\n")
    raw_lines = text.split("\n")
    for magic in magics:
        assert 1 <= magic.line <= len(raw_lines)
        line = raw_lines[magic.line - 1]
        assert line.strip(), magic
        if magic.kind in ("line", "shell", "cell"):
            assert magic.name == "" or magic.name in line or magic.kind == "cell"


identifiers = st.sampled_from(["df", "X", "y", "model", "path", "cfg", "data", "pd", "np", "os"])
paths = st.sampled_from(["data/a.csv", "../b.parquet", "models/m.joblib", "/home/u/x.csv", "s3://b/k.csv"])
readers = st.sampled_from(["pd.read_csv", "pd.read_parquet", "joblib.load", "np.load", "open"])


@st.composite
def statements(draw):
    kind = draw(st.integers(0, 5))
    name = draw(identifiers)
    if kind == 0:
        return f"{name} = {draw(readers)}({draw(paths)!r})"
    if kind == 1:
        return f"{name}.to_csv({draw(paths)!r})"
    if kind == 2:
        return f"{name} = {draw(identifiers)}.fit({draw(identifiers)}, {draw(identifiers)})"
    if kind == 3:
        return f"{name} = {draw(identifiers)}.predict({draw(identifiers)})"
    if kind == 4:
        return f"{name} = os.path.join({draw(identifiers)}, {draw(paths)!r})"
    return f"for {name} in range(3):\n    {draw(identifiers)} = {name} * 2"


@FUZZ
@given(st.lists(st.lists(statements(), min_size=1, max_size=4), min_size=1, max_size=5))
def test_positions_map_back_to_the_same_text(cells_code):
    cell_sources = ["import os\nimport joblib\nimport numpy as np\nimport pandas as pd"] + \
                   ["\n".join(stmts) for stmts in cells_code]
    source = load_notebook(notebook_json(cell_sources).encode(), "nb/x.ipynb")
    facts = analyse_source(source, Config())
    raw_by_cell = {c.index: c.raw.split("\n") for c in source.cells}
    for event in facts.io:
        line = raw_by_cell[event.pos.cell][event.pos.line - 1]
        fragment = line[event.pos.column - 1:]
        assert fragment and not fragment[0].isspace()
        if event.text and event.kind != "env":
            assert event.text.strip("'\"")[:5] in "\n".join(raw_by_cell[event.pos.cell])


# A grammar-based generator of valid Python: random ASTs unparsed to source.
names = st.sampled_from(["a", "b", "df", "model", "X", "pd", "np", "f"]).map(lambda n: ast.Name(n, ast.Load()))
constants = st.one_of(st.integers(-5, 5), st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=8),
                      st.booleans(), st.none()).map(ast.Constant)


def _expr(children):
    return st.one_of(
        st.builds(lambda l, r, op: ast.BinOp(l, op, r), children, children,
                  st.sampled_from([ast.Add(), ast.Div(), ast.Mult(), ast.Mod()])),
        st.builds(lambda f, args: ast.Call(f, args, []), children, st.lists(children, max_size=3)),
        st.builds(lambda v, attr: ast.Attribute(v, attr, ast.Load()), children,
                  st.sampled_from(["fit", "predict", "to_csv", "read_csv", "parent", "values", "join"])),
        st.builds(lambda v, s: ast.Subscript(v, s, ast.Load()), children, children),
        st.builds(lambda l, r: ast.Compare(l, [ast.Gt()], [r]), children, children),
        st.builds(lambda elts: ast.List(elts, ast.Load()), st.lists(children, max_size=3)),
        st.builds(lambda v, k: ast.Call(ast.Attribute(ast.Name("pd", ast.Load()), "read_csv", ast.Load()), [v],
                                        [ast.keyword(k, v)]), children, st.sampled_from(["sep", "path"])),
    )


expressions = st.recursive(st.one_of(names, constants), _expr, max_leaves=12)


@st.composite
def modules(draw):
    body = []
    for _ in range(draw(st.integers(1, 6))):
        choice = draw(st.integers(0, 4))
        value = draw(expressions)
        if choice == 0:
            body.append(ast.Assign([ast.Name(draw(st.sampled_from(["a", "b", "df", "X"])), ast.Store())], value))
        elif choice == 1:
            body.append(ast.Expr(value))
        elif choice == 2:
            body.append(ast.If(value, [ast.Expr(draw(expressions))], []))
        elif choice == 3:
            body.append(ast.FunctionDef("f", ast.arguments([], [ast.arg("a")], None, [], [], None, []),
                                        [ast.Return(value)], [], None))
        else:
            body.append(ast.With([ast.withitem(ast.Call(ast.Name("open", ast.Load()), [value], []),
                                               ast.Name("fh", ast.Store()))], [ast.Expr(draw(expressions))]))
    module = ast.fix_missing_locations(ast.Module(body, []))
    return "import pandas as pd\nimport numpy as np\n" + ast.unparse(module)


@FUZZ
@given(modules())
def test_extractor_handles_arbitrary_valid_python(code):
    tree = ast.parse(code)
    source = load_script(code.encode(), "gen.py")
    extract("gen.py", "script", [(source.cells[0], tree)])
    facts = analyse_source(source, Config())
    assert not [f for f in facts.findings if f.rule == "MLD001" and "internal error" in f.message]
