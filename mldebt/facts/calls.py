"""Paths passed into helper functions: `def load(path): return pd.read_csv(path)` then
`load("data/train.csv")` reads data/train.csv, at the call site.

Inside a function, each parameter is the placeholder ("param", function, name). An I/O event whose path
depends on a placeholder is a *template* of that function. Every call of the function in the same file
(recorded with its argument expressions, taken at the time of the call) instantiates the template at the
call's position; calls from inside another function that pass that function's own parameters make new
templates of the caller, so chains like main(path) -> load(path) resolve in a few rounds. A template that
no call instantiates falls back to the parameters' defaults (`def main(path="train.parquet")`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from mldebt.facts.model import IOEvent, Pos
from mldebt.facts.pathexpr import UNKNOWN

MAX_ROUNDS = 4
MAX_EVENTS = 5000  # never let a pathological file multiply events without bound


@dataclass
class FunctionInfo:
    name: str
    params: list[str]
    defaults: dict[str, tuple] = field(default_factory=dict)
    templates: list[int] = field(default_factory=list)  # indexes into FileFacts.io


@dataclass
class CallSite:
    callee: str
    caller: str | None  # the function the call is in (its parameters may flow into the arguments)
    pos: Pos
    args: list[tuple]
    kwargs: dict[str, tuple]
    scope: str


def params_in(expr) -> set[tuple[str, str]]:
    """(function, parameter) placeholders inside an expression."""
    found: set[tuple[str, str]] = set()
    stack = [expr]
    while stack:
        item = stack.pop()
        if isinstance(item, tuple):
            if len(item) == 3 and item[0] == "param" and isinstance(item[1], str):
                found.add((item[1], item[2]))
                continue
            stack.extend(item)
        elif isinstance(item, list):
            stack.extend(item)
    return found


def substitute(expr, function: str, values: dict[str, tuple]):
    """Replace the placeholders of `function` with the given expressions (UNKNOWN when missing)."""
    if isinstance(expr, tuple):
        if len(expr) == 3 and expr[0] == "param" and expr[1] == function:
            return values.get(expr[2], UNKNOWN)
        return tuple(substitute(part, function, values) for part in expr)
    if isinstance(expr, list):
        return [substitute(part, function, values) for part in expr]
    return expr


def bind(info: FunctionInfo, call: CallSite) -> dict[str, tuple]:
    values = dict(info.defaults)
    for name, value in zip(info.params, call.args):
        values[name] = value
    for name, value in call.kwargs.items():
        if name in info.params:
            values[name] = value
    return values


def instantiate(io: list[IOEvent], functions: dict[str, FunctionInfo], calls: list[CallSite]) -> None:
    """Add call-site events for every template; mark instantiated templates so the graph skips them."""
    done: set[tuple[int, int]] = set()  # (template index, call index)
    for _ in range(MAX_ROUNDS):
        added = False
        for call_index, call in enumerate(calls):
            info = functions.get(call.callee)
            if info is None or not info.templates:
                continue
            values = bind(info, call)
            for template_index in list(info.templates):
                if (template_index, call_index) in done or len(io) >= MAX_EVENTS:
                    continue
                done.add((template_index, call_index))
                template = io[template_index]
                expr = substitute(template.expr, info.name, values)
                event = replace(template, expr=expr, pos=call.pos, scope=call.scope, template=False, var=None,
                                via=(info.name, *template.via), origin=template.origin or template.pos,
                                api=f"{template.api} via {info.name}()",
                                text=f"{info.name}(...) -> {template.text}"[:200])
                io.append(event)
                template.template = True
                added = True
                if call.caller and call.caller in functions and any(f == call.caller for f, _ in params_in(expr)):
                    functions[call.caller].templates.append(len(io) - 1)
        if not added:
            break
    for info in functions.values():
        for index in info.templates:
            event = io[index]
            if not event.template:
                event.expr = substitute(event.expr, info.name, info.defaults)
