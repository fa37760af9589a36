"""The `mldebt` command line: a thin click layer over `mldebt.api`. Heavy imports happen inside commands
so `mldebt --version` and `--help` stay fast."""

from __future__ import annotations

import sys
from contextlib import contextmanager
from pathlib import Path

import click

from mldebt import __version__

CHECK_FORMATS = ["text", "json", "sarif", "github", "markdown"]


def _ids(value: str | None) -> list[str]:
    return [v.strip().upper() for v in (value or "").split(",") if v.strip()]


def _load_config(config_path: str | None, paths: tuple[str, ...]):
    from pathlib import Path

    from mldebt.config import ConfigError, find_config, load_config_file

    try:
        if config_path:
            return load_config_file(Path(config_path))
        return find_config(Path(paths[0]) if paths else Path("."))
    except ConfigError as exc:
        click.echo(f"mldebt: configuration error: {exc}", err=True)
        sys.exit(2)


def _validate_ids(ids: list[str], option: str) -> None:
    from mldebt.rules import all_rules

    for rule_id in ids:
        if not any(r.startswith(rule_id) for r in all_rules()):
            click.echo(f"mldebt: {option}: unknown rule id or prefix {rule_id!r}", err=True)
            sys.exit(2)


@contextmanager
def _guarded():
    """Ctrl-C exits 130; any bug exits 2 (never 1, which means "findings") with a one-line message."""
    try:
        yield
    except KeyboardInterrupt:
        click.echo("mldebt: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        _internal_error(exc)


@contextmanager
def _writing(output: str | None):
    """A file that cannot be written is a usage error (exit 2)."""
    try:
        yield
    except OSError as exc:
        click.echo(f"mldebt: cannot write {output}: {exc.strerror or exc}", err=True)
        sys.exit(2)


def _internal_error(exc: BaseException) -> None:
    from mldebt.config import ConfigError

    if isinstance(exc, ConfigError):
        click.echo(f"mldebt: configuration error: {exc}", err=True)
    else:
        import traceback

        where = traceback.extract_tb(exc.__traceback__)[-1] if exc.__traceback__ else None
        at = f" at {Path(where.filename).name}:{where.lineno}" if where else ""
        click.echo(f"mldebt: internal error: {type(exc).__name__}: {exc}{at} (please report this)", err=True)
    sys.exit(2)


def _check_paths(paths: tuple[str, ...]) -> None:
    import os

    for path in paths:
        if not os.path.lexists(path):
            click.echo(f"mldebt: {path}: no such file or folder", err=True)
            sys.exit(2)


class _Program(click.Group):
    """The top-level group. Run as a program (arguments from sys.argv, not a test runner's list), Ctrl-C
    after the work is done, while the interpreter shuts down, ends the process quietly as an interrupted
    program does, instead of printing an "Exception ignored ... KeyboardInterrupt" traceback."""

    def main(self, args=None, *rest, **kwargs):
        try:
            return super().main(args, *rest, **kwargs)
        finally:
            if args is None:
                import signal

                signal.signal(signal.SIGINT, signal.SIG_DFL)


@click.group(cls=_Program, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, "--version", prog_name="mldebt", message="%(prog)s %(version)s")
def main() -> None:
    """mldebt: find the hidden technical debt of machine-learning code in notebooks and scripts."""


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(CHECK_FORMATS), default="text", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write there (atomically) instead of stdout.")
@click.option("--select", help="Comma-separated rule ids or prefixes to enable (MLD1, MLD203).")
@click.option("--ignore", help="Comma-separated rule ids or prefixes to disable.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (pyproject.toml or YAML).")
@click.option("--baseline", type=click.Path(dir_okay=False), help="Report only findings not in this baseline.")
@click.option("--exit-zero", is_flag=True, help="Always exit 0.")
@click.option("--statistics", is_flag=True, help="Counts per rule instead of findings.")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")
@click.option("--fix", is_flag=True, help="Apply the safe fixes, then report what is left.")
@click.option("--unsafe-fixes", is_flag=True, help="Also apply fixes that change behaviour (implies --fix).")
@click.option("--diff", is_flag=True, help="Print the fixes as a unified diff instead of writing them "
              "(exit 1 when there is something to fix).")
def check(paths, fmt, output, select, ignore, config_path, baseline, exit_zero, statistics, jobs, no_cache,
          fix, unsafe_fixes, diff):
    """Check notebooks and scripts for ML technical debt."""
    from mldebt import api
    from mldebt.parallel import gc_tuned, skip_final_collection
    from mldebt.report import render_check

    paths = paths or (".",)
    _check_paths(paths)
    config = _load_config(config_path, paths)
    select_ids, ignore_ids = _ids(select), _ids(ignore)
    _validate_ids(select_ids, "--select")
    _validate_ids(ignore_ids, "--ignore")
    known = None
    if baseline:
        from mldebt.baseline import BaselineError, read_baseline

        try:
            known = read_baseline(baseline)
        except BaselineError as exc:
            click.echo(f"mldebt: {exc}", err=True)
            sys.exit(2)
    with _guarded(), gc_tuned():  # also while rendering: a collection there would walk the whole scan
        result = api.check(list(paths), config=config, select=select_ids or None, ignore=ignore_ids or None,
                           jobs=jobs, use_cache=not no_cache, baseline=known)
        if fix or unsafe_fixes or diff:
            result = _apply_fixes(result, unsafe_fixes, diff, output, exit_zero, lambda: api.check(
                list(paths), config=config, select=select_ids or None, ignore=ignore_ids or None, jobs=jobs,
                use_cache=not no_cache, baseline=known))
        stream = sys.stdout if output in (None, "-") else None
        text = render_check(result, fmt, statistics, stream)
    skip_final_collection()
    if result.baseline_hidden and (statistics or fmt in ("json", "sarif")):
        from mldebt.report.common import baseline_note

        click.echo(f"mldebt: {baseline_note(result.baseline_hidden)}", err=True)  # text formats say it inline
    from mldebt.output import emit

    with _writing(output):
        emit(text, output)
    if exit_zero:
        sys.exit(0)
    sys.exit(api.exit_code(result))


def _apply_fixes(result, unsafe: bool, diff: bool, output: str | None, exit_zero: bool, recheck):
    """Fix (or, with --diff, print the fixes and exit); returns the findings left after fixing."""
    from mldebt.fix import apply_fixes
    from mldebt.report.common import location, plural, records

    report = apply_fixes(result, unsafe=unsafe, write=not diff)
    for finding, why in report.skipped:
        click.echo(f"mldebt: {location(records([finding])[0])}: {finding.rule} not fixed: {why}", err=True)
    counts = ", ".join(f"{rule}: {n}" for rule, n in report.by_rule().items())
    more = f"; {report.unsafe_available} more with --unsafe-fixes" if report.unsafe_available else ""
    if diff:
        from mldebt.output import emit

        with _writing(output):
            emit(report.diff(), output)
        n = len(report.fixed)
        click.echo(f"mldebt: {n} fix{'' if n == 1 else 'es'} in the diff{f' ({counts})' if counts else ''}{more}",
                   err=True)
        sys.exit(0 if exit_zero or not report.changes else 1)
    click.echo(f"mldebt: fixed {plural(len(report.fixed), 'finding')}{f' ({counts})' if counts else ''} in "
               f"{plural(len(report.changes), 'file')}{more}", err=True)
    return recheck() if report.changes else result


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["json", "dot", "mermaid", "graphml"]), default="json",
              show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False))
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--jobs", "-j", type=click.IntRange(min=1))
@click.option("--no-cache", is_flag=True)
def graph(paths, fmt, output, config_path, jobs, no_cache):
    """Print the project's data-dependency graph."""
    from mldebt import api
    from mldebt.graph.export import FORMATS
    from mldebt.output import emit

    paths = paths or (".",)
    _check_paths(paths)
    config = _load_config(config_path, paths)
    s = api.scan(list(paths), config=config, jobs=jobs, use_cache=not no_cache)
    emit(FORMATS[fmt](s.graph), output)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--format", "fmt", type=click.Choice(["html", "markdown"]), default="html", show_default=True)
@click.option("--output", "-o", type=click.Path(dir_okay=False), help="Write there (atomically) instead of stdout.")
@click.option("--base", "base_ref", metavar="REF",
              help="Git ref to compare with: mark findings new, fixed or unchanged since REF.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False), help="Config file (pyproject.toml or YAML).")
@click.option("--jobs", "-j", type=click.IntRange(min=1), help="Worker processes (default: all cores).")
@click.option("--no-cache", is_flag=True, help="Neither read nor write the facts cache.")
def report(paths, fmt, output, base_ref, config_path, jobs, no_cache):
    """Write the reviewers' debt report: summary, hot spots, data graph, findings (exit 0 unless it fails)."""
    from mldebt import api
    from mldebt.report import debt
    from mldebt.report.diff import BaseError, diff_against

    paths = paths or (".",)
    _check_paths(paths)
    config = _load_config(config_path, paths)
    try:
        result = api.check(list(paths), config=config, jobs=jobs, use_cache=not no_cache)
        diff = diff_against(base_ref, list(paths), result, bool(config_path), jobs) if base_ref else None
        content = debt.build(result, diff)
        if fmt == "html":
            from mldebt.report.html import render as render_report
        else:
            from mldebt.report.md_report import render as render_report
        text = render_report(content)
    except BaseError as exc:
        click.echo(f"mldebt: --base {base_ref}: {exc}", err=True)
        sys.exit(2)
    except KeyboardInterrupt:
        click.echo("mldebt: interrupted", err=True)
        sys.exit(130)
    except Exception as exc:  # a bug must exit 2 and say so
        _internal_error(exc)
    from mldebt.output import emit

    with _writing(output):
        emit(text, output)


@main.command()
@click.argument("paths", nargs=-1, type=click.Path())
@click.option("--output", "-o", required=True, type=click.Path(dir_okay=False), help="Baseline file to write.")
@click.option("--config", "config_path", type=click.Path(dir_okay=False))
@click.option("--jobs", "-j", type=click.IntRange(min=1))
@click.option("--no-cache", is_flag=True)
def baseline(paths, output, config_path, jobs, no_cache):
    """Write a baseline of today's findings (their fingerprints)."""
    from mldebt import api
    from mldebt.baseline import write_baseline

    paths = paths or (".",)
    _check_paths(paths)
    config = _load_config(config_path, paths)
    with _guarded():
        result = api.check(list(paths), config=config, jobs=jobs, use_cache=not no_cache)
    with _writing(output):
        count = write_baseline(output, result.findings)
    click.echo(f"Wrote {count} findings to {output}")


@main.command()
def rules():
    """List every rule: id, name, family, default severity, enabled by default."""
    from mldebt.rules import all_rules

    rows = [("ID", "NAME", "FAMILY", "SEVERITY", "ENABLED")]
    for rule_id, rule in all_rules().items():
        rows.append((rule_id, rule.name, rule.family, rule.severity, "yes" if rule.enabled_by_default else "no"))
    widths = [max(len(r[i]) for r in rows) for i in range(5)]
    for row in rows:
        click.echo("  ".join(cell.ljust(widths[i]) for i, cell in enumerate(row)).rstrip())


@main.command()
@click.argument("rule_id")
def explain(rule_id):
    """Show a rule's page."""
    from mldebt.docs import rule_page
    from mldebt.rules import all_rules

    rule_id = rule_id.upper()
    if rule_id not in all_rules():
        click.echo(f"mldebt: unknown rule {rule_id}; see `mldebt rules`", err=True)
        sys.exit(2)
    click.echo(rule_page(all_rules()[rule_id]))


if __name__ == "__main__":  # pragma: no cover
    main()
