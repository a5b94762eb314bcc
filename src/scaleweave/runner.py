"""Run a case end to end: resolve and check its inputs, run it, write its results atomically.

Every check comes first: :func:`prepare_case` resolves a case's parameters and checks
its plan (the sizes of its ensembles, the memory they hold) without running or
writing anything, and :func:`check_writable` proves the results folder can be
written without creating it; only then does :func:`execute` create the folder and
run. ``scaleweave run all`` prepares every case before the first one runs.
"""

from __future__ import annotations

import difflib
import os
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from scaleweave.errors import ConfigError, ModelError, ScaleweaveError

__all__ = ["MAX_SEED", "PreparedRun", "check_config_tables", "check_seed", "check_writable",
           "config_for_case", "execute", "ignored_options", "prepare_case", "redraw_results",
           "run_case"]

#: The largest root seed: every engine's generators take it (32-bit kernel seeds).
MAX_SEED = 2**32 - 1


def check_seed(seed: Any) -> int:
    """``seed`` as a root seed, or a :class:`ConfigError` naming the valid range.

    Examples
    --------
    >>> check_seed(7)
    7
    """
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed <= MAX_SEED:
        raise ConfigError(f"--seed must be a whole number in [0, {MAX_SEED}] (2**32 - 1), "
                          f"got {seed}")
    return seed


def check_writable(out: str | os.PathLike) -> Path:
    """Prove ``out`` can hold results, before any work is done; create nothing.

    An existing folder must accept a file; a missing one must be creatable: its
    nearest existing parent is a folder this process may write.

    Raises
    ------
    ConfigError
        If the folder cannot be created or written.
    """
    path = Path(out)

    def refuse(why: str) -> ConfigError:
        return ConfigError(f"cannot write results to {str(path)!r}: {why}; choose another "
                           "folder with --out")

    try:
        if path.exists():
            if not path.is_dir():
                raise refuse("it is a file, not a folder")
            with tempfile.TemporaryFile(dir=path):
                pass
            return path
        parent = path.absolute().parent
        while not parent.exists():
            parent = parent.parent
        if not parent.is_dir():
            raise refuse(f"{str(parent)!r} is a file, not a folder")
        if not os.access(parent, os.W_OK | os.X_OK):
            raise refuse(f"{str(parent)!r} is not writable")
    except OSError as exc:
        raise refuse(exc.strerror or str(exc)) from None
    return path


def _make_out(out: str | os.PathLike) -> tuple[Path, list[Path]]:
    """Create the results folder (after every check); return it and the folders made
    now, deepest first."""
    path = Path(out)
    made = [p for p in (path, *path.absolute().parents) if not p.exists()]
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError(f"cannot write results to {str(path)!r}: {exc.strerror or exc}; "
                          "choose another folder with --out") from None
    return path, made


def check_config_tables(config: Mapping[str, Any], known: Sequence[str], origin: str,
                        gallery: Mapping[str, Sequence[str]] | None = None) -> None:
    """Refuse a ``[TABLE]`` of a configuration that names no case (with a suggestion).

    A table holds one case's parameters; no parameter takes a table, so a table
    that names no known case is a misspelt case. For ``run all`` (``gallery``: each
    case's parameter names) a parameter outside every table is refused too, naming
    the table it belongs in.
    """
    for key, value in config.items():
        if isinstance(value, Mapping) and key not in known:
            close = difflib.get_close_matches(key, list(known), n=1, cutoff=0.6)
            hint = f"did you mean [{close[0]}]? " if close else ""
            raise ConfigError(f"{origin}: table [{key}] names no case; {hint}known cases: "
                              f"{', '.join(known)}")
    top = [k for k, v in config.items() if not isinstance(v, Mapping)]
    if gallery is not None and top:
        owners = [case for case, names in gallery.items() if top[0] in names]
        where = (f"[{owners[0]}]" if len(owners) == 1 else
                 f"the table of each case that has it ({', '.join(owners)})" if owners else
                 "a case's table (no case has it)")
        raise ConfigError(f"{origin}: {top[0]!r} is not inside a [CASE] table; with 'run all' "
                          f"each case's parameters go under its own table: put it in {where}")


def config_for_case(config: dict[str, Any], case_name: str, all_cases: Sequence[str],
                    single: bool) -> dict[str, Any]:
    """The part of a TOML configuration that applies to one case.

    A table named after a case (``[multirate]``, optionally with its own
    ``[multirate.parameters]``) applies to that case; top-level parameters apply
    only when one case is run.
    """
    section = config.get(case_name)
    own: dict[str, Any] = {}
    if isinstance(section, dict):
        own = {**{k: v for k, v in section.items() if k != "parameters"},
               **section.get("parameters", {})}
    top = {k: v for k, v in config.items() if k not in all_cases and k != case_name}
    if top and not single:
        raise ConfigError(
            f"configuration keys {sorted(top)} are not inside a [CASE] table; with 'run all' "
            f"put each case's parameters under its own table, e.g. [{case_name}]"
        )
    return {**top, **own}


def _target(name: str) -> str:
    """The case name as given, with a file path made absolute (so it is found again)."""
    where, sep, cls = name.rpartition(":")
    if sep and (where.endswith(".py") or Path(where).is_file()):
        return f"{Path(where).resolve()}:{cls}"
    return name


def redraw_results(results_dir: str | os.PathLike) -> list[Path]:
    """Draw the figures of every case folder in ``results_dir`` again from its ``result.nc``.

    ``results_dir`` is a results folder (``OUT``) or one case's folder (``OUT/CASE``).
    Each case is found by the name recorded in its ``result.nc``.

    Raises
    ------
    ConfigError
        No case folder in ``results_dir``, or a folder whose case cannot be loaded.
    """
    import xarray as xr

    from scaleweave.cases import load_case
    from scaleweave.core.results import redraw

    root = Path(results_dir)
    folders = ([root] if (root / "result.nc").is_file() else
               sorted(f for f in root.iterdir() if (f / "result.nc").is_file()
                      and (f / "summary.json").is_file() and not f.name.startswith(".")))
    if not folders:
        raise ConfigError(f"no case results in {str(root)!r} to redraw (no */result.nc)")
    for folder in folders:
        with xr.open_dataset(folder / "result.nc") as ds:
            target = str(ds.attrs.get("case_target", ds.attrs.get("case", folder.name)))
        redraw(folder, load_case(target)())
    return folders


@dataclass
class PreparedRun:
    """A case whose inputs passed every check: ready to :func:`execute`.

    Attributes
    ----------
    case_cls : type
        The :class:`~scaleweave.cases.base.Case` subclass.
    target : str
        How the case was named (a file path made absolute).
    params : ParameterValues
        The resolved parameters.
    ensembles : list of str
        The labels of its studies with uncertain inputs (what ``--workers`` and
        ``--scheduler`` act on).
    """

    case_cls: Any
    target: str
    params: Any
    ensembles: list[str] = field(default_factory=list)
    seed: int = 0
    quick: bool = False
    samples: int | None = None
    workers: int | None = None
    scheduler: str | None = None
    quiet: bool = False

    @property
    def name(self) -> str:
        """The case's name (its results folder)."""
        return str(self.case_cls.name)


def prepare_case(
    name: str,
    *,
    overrides: Sequence[str] = (),
    config: dict[str, Any] | None = None,
    config_origin: str = "config",
    quick: bool = False,
    seed: int = 0,
    samples: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> PreparedRun:
    """Resolve and check everything case ``name`` takes; run and write nothing.

    Parameters are those of :func:`run_case`. Beyond each parameter's unit and
    range, the case's studies are built (wiring only) and every ensemble's sizes
    checked as its sampling asks, in the user's numbers (``--samples 4000``: use
    4096), and against memory: the samples of one ensemble may hold at most half
    of this machine's memory.

    Raises
    ------
    ConfigError
        Bad input (a :class:`~scaleweave.errors.MissingExtraError` for a missing
        optional package).
    """
    from scaleweave.cases import load_case
    from scaleweave.cases.base import RunContext
    from scaleweave.core.parameters import resolve_parameters
    from scaleweave.preflight import check_plan

    check_seed(seed)
    for flag, value in (("samples", samples), ("workers", workers)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, int)
                                  or value < 1):
            raise ConfigError(f"--{flag} must be a positive integer, got {value}")
    if scheduler is not None:  # its syntax now; whether it answers when an ensemble runs
        from scaleweave.execution.dask import check_scheduler_address

        check_scheduler_address(scheduler)
    case_cls = load_case(name)
    case_cls.check_requirements()
    params = resolve_parameters(
        case_cls.parameters,
        quick=case_cls.quick if quick else None,
        config=config,
        config_origin=config_origin,
        overrides=overrides,
        samples=case_cls.samples_override(samples),
    )
    ctx = RunContext(seed=seed, quick=quick, samples=samples, workers=workers,
                     scheduler=scheduler, quiet=quiet)
    ensembles = check_plan(case_cls(), params, ctx)
    return PreparedRun(case_cls, _target(name), params, ensembles, seed, quick, samples,
                       workers, scheduler, quiet)


def ignored_options(prepared: PreparedRun) -> str | None:
    """The one-line warning for ``--workers`` / ``--scheduler`` on a case without an
    ensemble (they only say where an ensemble runs, so the run goes on), or None."""
    given = [f for f, v in (("--workers", prepared.workers), ("--scheduler",
                                                             prepared.scheduler)) if v]
    if not given or prepared.ensembles:
        return None
    return (f"case {prepared.name!r} runs no ensemble with these inputs, so "
            f"{' and '.join(given)} {'has' if len(given) == 1 else 'have'} no effect")


def execute(prepared: PreparedRun, out: str | os.PathLike = "results") -> Path:
    """Run a prepared case and write ``out/NAME/``; return that folder.

    The results folder is created here, after every check; a run that fails
    before writing anything leaves no folder it created.

    Raises
    ------
    ModelError
        A model failed while running; no result files are left behind.
    """
    from scaleweave.cases.base import RunContext
    from scaleweave.cleanup import CaseFolders
    from scaleweave.core.results import write_result

    name = prepared.name
    out_path, made = _make_out(out)
    ctx = RunContext(seed=prepared.seed, quick=prepared.quick, samples=prepared.samples,
                     workers=prepared.workers, scheduler=prepared.scheduler,
                     quiet=prepared.quiet, campaign_dir=out_path / ".campaigns" / name,
                     checkpoint_dir=out_path / ".checkpoints" / name)
    case = prepared.case_cls()
    # Held while the case runs ('scaleweave clean' leaves it alone); clears the partial
    # folders of killed runs; on release a finished run drops its campaigns.
    working = CaseFolders(out_path, name)
    start = time.perf_counter()
    try:
        try:
            result = case.run(prepared.params, ctx)
        except ScaleweaveError:
            raise
        except Exception as exc:  # a bug or a library failure inside the case
            raise ModelError(f"case {name!r} failed: {type(exc).__name__}: {exc}") from exc
        finally:
            ctx.close()
        runtime = time.perf_counter() - start
        result.resumed.update({c.key: c.resumed_at for c in ctx.checkpoints
                               if c.resumed_at is not None})
        folder = write_result(out_path, case, result, prepared.params, prepared.seed,
                              runtime, target=prepared.target)
    except BaseException:
        working.release(finished=False)  # keeps what a resume needs
        for made_now in made:  # folders this run made and nothing was kept in: no debris
            try:
                made_now.rmdir()
            except OSError:
                break
        raise
    working.release(finished=True)
    return folder


def run_case(
    name: str,
    *,
    out: str | os.PathLike = "results",
    overrides: Sequence[str] = (),
    config: dict[str, Any] | None = None,
    config_origin: str = "config",
    quick: bool = False,
    seed: int = 0,
    samples: int | None = None,
    workers: int | None = None,
    scheduler: str | None = None,
    quiet: bool = False,
) -> Path:
    """Run case ``name`` and write ``out/name/``; return that folder.

    Parameters
    ----------
    name : str
        A case from ``scaleweave list``, or ``path/to/file.py:Class`` /
        ``package.module:Class`` (see :func:`scaleweave.cases.load_case`).
    out : path
        Results folder (created only once every input has passed its checks).
    overrides : sequence of str
        ``NAME=VALUE`` parameter settings (values may carry units).
    config : dict, optional
        Parameters read from a TOML file (already narrowed to this case).
    quick : bool
        Use the case's quick settings (the gallery).
    seed : int
        Root random seed, in ``[0, 2**32 - 1]``.
    samples, workers, scheduler : optional
        Ensemble size and where to run it. ``samples`` on a case without an
        ensemble size is an error; ``workers`` / ``scheduler`` on a case that runs
        no ensemble do nothing, and a :class:`UserWarning` says so.
    quiet : bool
        No progress bars.

    Raises
    ------
    ConfigError
        Bad input; nothing is run and nothing is written (not even ``out``).
    ModelError
        A model failed while running; no result files are left behind.
    """
    import warnings

    prepared = prepare_case(name, overrides=overrides, config=config,
                            config_origin=config_origin, quick=quick, seed=seed,
                            samples=samples, workers=workers, scheduler=scheduler, quiet=quiet)
    check_writable(out)
    note = ignored_options(prepared)
    if note:
        warnings.warn(note, UserWarning, stacklevel=2)
    return execute(prepared, out)
