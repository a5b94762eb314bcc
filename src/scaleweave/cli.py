"""The ``scaleweave`` command: list, show, run, report, clean, bench.

Exit codes: 0 ok; 1 a failure inside a model (message; traceback with ``--debug``);
2 bad input (one line, no traceback); 130 interrupted. Heavy libraries are imported
only by the command and case that need them, so ``scaleweave list`` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

__all__ = ["main"]

EPILOG = """\
examples:
  scaleweave list
  scaleweave show battery                       # its parameters, units, ranges, ports
  scaleweave run multirate --quick --out results
  scaleweave run my_case.py:MyCase --out results # your own case, with everything above
  scaleweave run multirate --set macro_dt="0.25 s" --set substeps=8
  scaleweave run all --quick --out results      # the gallery, then results/index.html
  scaleweave report results
  scaleweave report results --redraw            # figures again from each result.nc
  scaleweave clean results                      # drop campaigns, checkpoints, partials
  scaleweave bench coupler_overhead --out /tmp/bench

Parameter values take units: --set macro_dt="250 ms". A TOML file given with
--config holds NAME = VALUE lines (values with units as strings, e.g. "0.5 s");
for 'run all', put each case's values under a [CASE] table.
"""


class _Parser(argparse.ArgumentParser):
    """argparse with a one-line error (exit 2), like every other bad input."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: error: {message} (see '{self.prog} --help')\n")


def _parser() -> argparse.ArgumentParser:
    from scaleweave._version import __version__

    p = _Parser(
        prog="scaleweave",
        description="Multi-scale modeling: models at one scale each, joined by checked "
                    "bridges, with error bars.",
        epilog=EPILOG,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--version", action="version", version=f"scaleweave {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND")

    sub.add_parser("list", help="list the cases, one line each")
    show = sub.add_parser("show", help="what a case takes: parameters (unit, default, quick "
                                       "value, range, distribution, ports, scale)")
    show.add_argument("case", help="case name, or path/to/file.py:Class, or module:Class")
    show.add_argument("--debug", action="store_true", help="show tracebacks of failures")

    r = sub.add_parser(
        "run", help="run a case (or 'all') and write OUT/CASE/{result.nc,summary.json,*.png}",
        epilog=EPILOG, formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    r.add_argument("case", help="case name from 'scaleweave list', 'all', or your own as "
                                "path/to/file.py:Class or package.module:Class")
    r.add_argument("--quick", action="store_true", help="fast settings (the gallery)")
    r.add_argument("--out", default="results", metavar="DIR",
                   help="results folder (default: results)")
    r.add_argument("--set", action="append", default=[], metavar="NAME=VALUE", dest="sets",
                   help="set a parameter; values may carry units: --set macro_dt='0.5 s'")
    r.add_argument("--config", metavar="FILE.toml", help="parameters from a TOML file")
    r.add_argument("--samples", type=int, metavar="N",
                   help="ensemble size for uncertain inputs (an error on a case without one; "
                        "'run all' sizes the cases that have one)")
    r.add_argument("--seed", type=int, default=0, metavar="N",
                   help="root random seed, 0 <= N < 2**32 (0)")
    r.add_argument("--workers", type=int, metavar="N",
                   help="run ensembles on a local Dask cluster of N workers (default: local "
                        "processes, one per core); a case without an ensemble warns and "
                        "ignores it")
    r.add_argument("--scheduler", metavar="ADDRESS",
                   help="run ensembles on the Dask scheduler at ADDRESS (tcp://host:port)")
    r.add_argument("--quiet", action="store_true", help="no progress bars")
    r.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    r.add_argument("--no-report", action="store_true", help="do not rebuild OUT/index.html")

    rep = sub.add_parser("report", help="write DIR/index.html over every case in DIR")
    rep.add_argument("dir", metavar="DIR")
    rep.add_argument("--redraw", action="store_true",
                     help="draw every case's figures again from its result.nc first")
    rep.add_argument("--debug", action="store_true", help="show tracebacks of failures")

    b = sub.add_parser("bench", help="run a benchmark from benchmarks/ (or 'all')")
    b.add_argument("name", help="benchmark name, or 'all'")
    b.add_argument("--out", metavar="DIR", help="where the JSON files go (default: "
                                                 "results/bench in the current folder)")
    b.add_argument("--debug", action="store_true", help="show tracebacks of failures")

    c = sub.add_parser("clean", help="remove DIR's working files: campaigns and checkpoints "
                                     "kept for a resume, partial folders of killed runs")
    c.add_argument("dir", metavar="DIR")
    c.add_argument("--cache", action="store_true",
                   help="also remove the model cache DIR/.cache (cached model runs)")
    c.add_argument("--debug", action="store_true", help="show tracebacks of failures")
    return p


def _cmd_list() -> int:
    from scaleweave.cases import available_cases

    cases = available_cases()
    width = max(len(n) for n in cases)
    for name, (_, line) in cases.items():
        print(f"{name:<{width}}  {line}")
    return 0


def _cmd_show(args: argparse.Namespace) -> int:
    from scaleweave.cases import load_case
    from scaleweave.cases.show import describe_case

    print(describe_case(load_case(args.case)))
    return 0


def _cmd_run(args: argparse.Namespace) -> int:
    from importlib.metadata import entry_points

    from scaleweave.cases import CASES, ENTRY_POINT_GROUP, load_case
    from scaleweave.core.parameters import read_config
    from scaleweave.errors import ConfigError, MissingExtraError
    from scaleweave.runner import (
        check_config_tables,
        check_seed,
        check_writable,
        config_for_case,
        execute,
        prepare_case,
    )

    # Every input is checked, for every case, before the first case runs or anything
    # is written (not even --out).
    check_seed(args.seed)
    for flag in ("samples", "workers"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ConfigError(f"--{flag} must be a positive integer, got {value}")
    gallery = args.case == "all"
    names = list(CASES) if gallery else [args.case]
    if not gallery:
        load_case(args.case)  # an unknown name fails here, with suggestions
    config = read_config(args.config) if args.config else {}
    origin = str(args.config or "config")
    known = list(dict.fromkeys([*CASES, *(ep.name for ep in entry_points(
        group=ENTRY_POINT_GROUP)), *([] if gallery else [load_case(args.case).name])]))
    check_config_tables(config, known, origin, gallery={
        n: [p.name for p in load_case(n).parameters] for n in names} if gallery else None)
    check_writable(args.out)
    if gallery and args.sets:
        from scaleweave.core.parameters import parse_assignment

        for text in args.sets:
            pname = parse_assignment(text)[0]
            if not any(pname in {p.name for p in load_case(n).parameters} for n in names):
                raise ConfigError(f"--set {pname}: no case has a parameter {pname!r}")
    prepared, unsized = [], []
    for name in names:
        case_cls = load_case(name)
        if gallery:  # the gallery skips cases whose optional extra is missing
            try:
                case_cls.check_requirements()
            except MissingExtraError as exc:
                print(f"scaleweave: skipped {name}: {exc}", file=sys.stderr)
                continue
        own = {p.name for p in case_cls.parameters}
        sets = [s for s in args.sets if s.split("=", 1)[0].strip() in own] if gallery else (
            args.sets)
        # In the gallery --samples sizes the cases that have an ensemble size.
        sized = not gallery or case_cls.samples_parameter is not None
        if args.samples is not None and not sized:
            unsized.append(name)
        try:
            prepared.append(prepare_case(
                name, overrides=sets,
                config=config_for_case(config, case_cls.name, list(CASES), single=not gallery),
                config_origin=origin, quick=args.quick, seed=args.seed,
                samples=args.samples if sized else None, workers=args.workers,
                scheduler=args.scheduler, quiet=args.quiet))
        except ConfigError as exc:  # in the gallery: say which case
            if not gallery or str(exc).startswith(f"case {name!r}"):
                raise
            raise ConfigError(f"case {name!r}: {exc}") from None
    for line in _ignored(args, prepared, unsized):
        print(f"scaleweave: warning: {line}", file=sys.stderr)
    failed = []
    for run in prepared:
        folder = execute(run, args.out)
        status = _status_line(folder)
        if "FAILED" in status:
            failed.append(run.name)
        if not args.quiet:
            print(status)
    if gallery:  # the cases skipped for a missing extra, for the report
        from scaleweave.report.skipped import write_skipped

        Path(args.out).mkdir(parents=True, exist_ok=True)
        write_skipped(args.out, {n: load_case(n).missing_requirements() for n in CASES})
    if not args.no_report:
        from scaleweave.report import build_report

        page = build_report(args.out)
        if not args.quiet:
            print(f"report: {page}")
    if failed:
        print(f"scaleweave: reference checks failed in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


def _ignored(args: argparse.Namespace, prepared: list, unsized: list[str]) -> list[str]:
    """One line per option that does nothing: ``--samples`` on the gallery's cases
    without an ensemble size, ``--workers`` / ``--scheduler`` on cases that run no
    ensemble (one case: :func:`~scaleweave.runner.ignored_options`)."""
    from scaleweave.runner import ignored_options

    lines = []
    if unsized:
        lines.append(f"--samples {args.samples} sizes only the cases with an ensemble; "
                     f"ignored by {', '.join(unsized)}")
    if args.case != "all":
        return lines + [n for n in (ignored_options(run) for run in prepared) if n]
    idle = [run.name for run in prepared if ignored_options(run)]
    if idle:
        given = [f for f, v in (("--workers", args.workers), ("--scheduler", args.scheduler))
                 if v]
        lines.append(f"{' and '.join(given)} only act on ensembles; ignored by "
                     f"{', '.join(idle)} (none with these inputs)")
    return lines


def _status_line(folder: Path) -> str:
    import json

    s = json.loads((folder / "summary.json").read_text())
    refs = s["references"]
    n_ok = sum(r["passed"] for r in refs)
    bad_validity = sum(not v["ok"] and not v.get("counterexample") for v in s["validity"])
    shown = sum(bool(v.get("counterexample")) for v in s["validity"])
    flag = "ok" if n_ok == len(refs) else "FAILED"
    extra = f", {bad_validity} validity diagnostics outside limits" if bad_validity else ""
    extra += f", {shown} deliberate counter-examples" if shown else ""
    return (f"{s['case']}: {flag} - {n_ok}/{len(refs)} reference checks passed{extra} "
            f"({s['runtime_s']:.1f} s) -> {folder}")


def _cmd_report(args: argparse.Namespace) -> int:
    from scaleweave.errors import ConfigError
    from scaleweave.report import build_report

    if not Path(args.dir).is_dir():
        raise ConfigError(f"no results folder {args.dir!r}: run 'scaleweave run CASE --out "
                          f"{args.dir}' first")
    if args.redraw:
        from scaleweave.runner import redraw_results

        folders = redraw_results(args.dir)
        args.dir = str(folders[0].parent) if folders == [Path(args.dir)] else args.dir
    print(build_report(args.dir))
    return 0


def _cmd_clean(args: argparse.Namespace) -> int:
    from scaleweave.cleanup import clean_results

    removed, kept = clean_results(args.dir, cache=args.cache)
    for path, size in removed:
        print(f"removed {path}" + ("" if size is None else f" ({size / 1e6:.3g} MB)"))
    for line in kept:
        print(line)
    if not removed:
        print(f"nothing to remove in {args.dir}")
    return 0


def _cmd_bench(args: argparse.Namespace) -> int:
    from scaleweave.bench import run_benchmarks

    return run_benchmarks(args.name, out=args.out)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``scaleweave`` command; returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    if args.command is None:
        parser.print_help()
        return 2
    debug = getattr(args, "debug", False)
    try:
        if args.command == "list":
            return _cmd_list()
        if args.command == "show":
            return _cmd_show(args)
        if args.command == "run":
            return _cmd_run(args)
        if args.command == "report":
            return _cmd_report(args)
        if args.command == "clean":
            return _cmd_clean(args)
        return _cmd_bench(args)
    except KeyboardInterrupt:
        print("scaleweave: interrupted; no partial results were kept", file=sys.stderr)
        return 130
    except Exception as exc:
        # --debug adds the traceback; it never changes the exit code.
        from scaleweave.errors import ConfigError

        if debug:
            import traceback

            traceback.print_exc()
        if isinstance(exc, ConfigError):
            print(f"scaleweave: error: {exc}", file=sys.stderr)
            return 2
        print(f"scaleweave: failed: {exc}", file=sys.stderr)
        if not debug:
            print("  (run again with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
