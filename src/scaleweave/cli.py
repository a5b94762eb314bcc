"""The ``scaleweave`` command: list, run, report, bench.

Exit codes: 0 ok; 1 a failure inside a model (message; traceback with ``--debug``);
2 bad input (one line, no traceback); 130 interrupted. Heavy libraries are imported
only by the command and case that need them, so ``scaleweave list`` starts fast.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path

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
  scaleweave bench coupler_overhead

Parameter values take units: --set macro_dt="250 ms". A TOML file given with
--config holds NAME = VALUE lines (values with units as strings, e.g. "0.5 s");
for 'run all', put each case's values under a [CASE] table.
"""


def _parser() -> argparse.ArgumentParser:
    from scaleweave._version import __version__

    p = argparse.ArgumentParser(
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
    r.add_argument("--samples", type=int, metavar="N", help="ensemble size for uncertain inputs")
    r.add_argument("--seed", type=int, default=0, metavar="N", help="root random seed (0)")
    r.add_argument("--workers", type=int, metavar="N",
                   help="run ensembles on a local Dask cluster of N workers (default: local "
                        "processes, one per core)")
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
    b.add_argument("--debug", action="store_true", help="show tracebacks of failures")
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
    from scaleweave.cases import CASES, load_case
    from scaleweave.core.parameters import read_config
    from scaleweave.errors import ConfigError
    from scaleweave.runner import check_writable, config_for_case, run_case

    for flag in ("samples", "workers"):
        value = getattr(args, flag)
        if value is not None and value < 1:
            raise ConfigError(f"--{flag} must be a positive integer, got {value}")
    names = list(CASES) if args.case == "all" else [args.case]
    if args.case != "all":
        load_case(args.case)  # an unknown name fails here, with suggestions
    config = read_config(args.config) if args.config else {}
    check_writable(args.out)
    if args.case == "all" and args.sets:
        from scaleweave.core.parameters import parse_assignment

        for text in args.sets:
            pname = parse_assignment(text)[0]
            if not any(pname in {p.name for p in load_case(n).parameters} for n in names):
                raise ConfigError(f"--set {pname}: no case has a parameter {pname!r}")
    failed = []
    if args.case == "all":  # the gallery skips cases whose optional extra is missing
        from scaleweave.errors import MissingExtraError

        runnable = []
        for name in names:
            try:
                load_case(name).check_requirements()
                runnable.append(name)
            except MissingExtraError as exc:
                print(f"scaleweave: skipped {name}: {exc}", file=sys.stderr)
        names = runnable
    for name in names:
        sets = args.sets
        if args.case == "all":
            own = {p.name for p in load_case(name).parameters}
            sets = [s for s in args.sets if s.split("=", 1)[0].strip() in own]
        folder = run_case(
            name, out=args.out, overrides=sets,
            config=config_for_case(config, load_case(name).name, list(CASES),
                                   single=args.case != "all"),
            config_origin=str(args.config or "config"), quick=args.quick, seed=args.seed,
            # In the gallery --samples sizes the cases that have an ensemble.
            samples=(args.samples if args.case != "all" or load_case(name).samples_parameter
                     else None), workers=args.workers, scheduler=args.scheduler,
            quiet=args.quiet,
        )
        status = _status_line(folder)
        if "FAILED" in status:
            failed.append(name)
        if not args.quiet:
            print(status)
    if not args.no_report:
        from scaleweave.report import build_report

        page = build_report(args.out)
        if not args.quiet:
            print(f"report: {page}")
    if failed:
        print(f"scaleweave: reference checks failed in: {', '.join(failed)}", file=sys.stderr)
        return 1
    return 0


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


def _cmd_bench(args: argparse.Namespace) -> int:
    from scaleweave.bench import run_benchmarks

    return run_benchmarks(args.name)


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
        return _cmd_bench(args)
    except KeyboardInterrupt:
        print("scaleweave: interrupted; no partial results were kept", file=sys.stderr)
        return 130
    except Exception as exc:
        from scaleweave.errors import ConfigError

        if isinstance(exc, ConfigError):
            print(f"scaleweave: error: {exc}", file=sys.stderr)
            if debug:
                raise
            return 2
        if debug:
            raise
        print(f"scaleweave: failed: {exc}", file=sys.stderr)
        print("  (run again with --debug for the traceback)", file=sys.stderr)
        return 1


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
