"""Symbolic path expressions: built from the AST at extraction time, evaluated once the project is known.

A `PathExpr` is a tuple tree:
    ("const", "data/x.csv")            a literal string
    ("unknown",)                       anything we cannot follow (becomes `*` in a pattern)
    ("name", "DATA_DIR")               a name not defined in the file itself (an import, resolved later)
    ("file",)                          `__file__` of the unit holding the expression
    ("parent", e)                      os.path.dirname(e) / e.parent
    ("join", [e, ...])                 os.path.join / Path / "/" (later absolute parts win)
    ("concat", [e, ...])               "+" and f-strings
    ("suffix", e, ".csv")              e.with_suffix(".csv")
    ("doc", e)                         the parsed content of config file e (yaml/json/toml)
    ("cfg", doc, ("a", "b"))           doc["a"]["b"]
Evaluation yields a string in which `*` marks unknown parts; strings anchored at the project root by
`__file__` start with ROOT.
"""

from __future__ import annotations

import os
import posixpath
from typing import Callable

ROOT = "\x00ROOT"
UNKNOWN = ("unknown",)
MAX_DEPTH = 40


def is_url(text: str) -> bool:
    return "://" in text[:20]


def evaluate(expr, lookup_name: Callable[[str, int], object], file_path: str,
             load_doc: Callable[[str], object], depth: int = 0) -> object:
    """Evaluate to a str (path/pattern) or, for ("doc", ...) and ("cfg", ...) nodes, any YAML value."""
    if depth > MAX_DEPTH or not isinstance(expr, tuple) or not expr:
        return "*"

    def ev(sub):
        return evaluate(sub, lookup_name, file_path, load_doc, depth + 1)

    tag = expr[0]
    if tag == "const":
        return expr[1]
    if tag == "file":
        return f"{ROOT}/{file_path}"
    if tag in ("param", "oneof"):  # a function parameter no call site bound; an unexpanded loop value
        return "*"
    if tag == "name":
        value = lookup_name(expr[1], depth)
        return "*" if value is None else value
    if tag == "parent":
        inner = ev(expr[1])
        if not isinstance(inner, str):
            return "*"
        if inner.rstrip("/") == ROOT:
            return ROOT + "/.."
        parent = posixpath.dirname(inner.rstrip("/"))
        if not parent and "*" in inner:
            return "*"  # the parent of something unknown is unknown, not the current folder
        return parent or "."
    if tag == "join":
        parts = [ev(p) for p in expr[1]]
        out = ""
        for part in parts:
            if not isinstance(part, str):
                part = "*"
            if out and not (part.startswith(("/", ROOT)) or is_url(part) or (len(part) > 1 and part[1] == ":")):
                out = out.rstrip("/") + "/" + part
            else:
                out = part
        return out or "."
    if tag == "concat":
        pieces = []
        for p in expr[1]:
            value = ev(p)
            pieces.append(value if isinstance(value, str) else "*")
        return "".join(pieces)
    if tag == "ensure_suffix":  # numpy adds .npy/.npz when the name has no such suffix
        inner = ev(expr[1])
        if not isinstance(inner, str):
            return "*"
        return inner if inner.endswith(expr[2]) or inner.endswith("*") else inner + expr[2]
    if tag == "format":  # f"{year:04d}" with a constant year
        inner = ev(expr[1])
        try:
            return format(int(inner) if inner.lstrip("-").isdigit() else float(inner), expr[2])
        except (ValueError, TypeError, AttributeError):
            return "*"
    if tag == "suffix":
        inner = ev(expr[1])
        if not isinstance(inner, str):
            return "*"
        return os.path.splitext(inner)[0] + expr[2]
    if tag == "doc":
        target = ev(expr[1])
        if isinstance(target, str) and "*" not in target:
            return load_doc(target)
        return None
    if tag == "cfg":
        value = ev(expr[1])
        for key in expr[2]:
            if isinstance(value, dict) and key in value:
                value = value[key]
            elif isinstance(value, list) and isinstance(key, int) and -len(value) <= key < len(value):
                value = value[key]
            else:
                return "*"
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return str(value)
        return value if isinstance(value, (dict, list)) else "*"
    return "*"


def normalise(value: str, base_dir: str) -> tuple[str, str]:
    """Turn an evaluated path into (artifact id, kind): kind is file, url, pattern or absolute."""
    text = value.strip()
    if is_url(text):
        return text, "url"
    if text.startswith(ROOT):
        rel = text[len(ROOT):].lstrip("/")
        joined = posixpath.normpath(rel) if rel else "."
    elif text.startswith(("/", "~")) or (len(text) > 2 and text[1] == ":" and text[2] in "\\/"):
        return text, "absolute"
    else:
        joined = posixpath.normpath(posixpath.join(base_dir, text.replace("\\", "/"))) if text else base_dir
    if joined.startswith("./"):
        joined = joined[2:]
    kind = "pattern" if "*" in joined else "file"
    return joined, kind


def constant_value(expr) -> str | None:
    """The path an expression spells out on its own (no imports, config or `__file__` needed), else None."""
    if not isinstance(expr, tuple):
        return None
    value = evaluate(expr, lambda name, depth: None, "", lambda target: None)
    if isinstance(value, str) and "*" not in value and ROOT not in value:
        return value
    return None
