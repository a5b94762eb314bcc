"""Run a case end to end: resolve its parameters, run it, write its results atomically."""

from __future__ import annotations

import contextlib
import os
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from scaleweave.errors import ConfigError, ModelError, ScaleweaveError

__all__ = ["check_writable", "config_for_case", "redraw_results", "run_case"]


def check_writable(out: str | os.PathLike) -> Path:
    """Create ``out`` if needed and prove it is writable, before any work is done.

    Raises
    ------
    ConfigError
        If the folder cannot be created or written.
    """
    path = Path(out)
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        raise ConfigError(
            f"cannot write results to {str(path)!r}: {exc.strerror or exc}; choose another "
            f"folder with --out"
        ) from None
    return path


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
    top = {k: v for k, v in config.items() if k not in all_cases}
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
        Results folder.
    overrides : sequence of str
        ``NAME=VALUE`` parameter settings (values may carry units).
    config : dict, optional
        Parameters read from a TOML file (already narrowed to this case).
    quick : bool
        Use the case's quick settings (the gallery).
    seed : int
        Root random seed.
    samples, workers, scheduler : optional
        Ensemble size and where to run it.
    quiet : bool
        No progress bars.

    Raises
    ------
    ConfigError
        Bad input; nothing is run and nothing is written.
    ModelError
        A model failed while running; no result files are left behind.
    """
    from scaleweave.cases import load_case
    from scaleweave.cases.base import RunContext
    from scaleweave.core.parameters import resolve_parameters
    from scaleweave.core.results import write_result

    case_cls = load_case(name)
    target = _target(name)
    name = case_cls.name  # a case given as path/to/file.py:Class writes OUT/<its name>
    case_cls.check_requirements()
    params = resolve_parameters(
        case_cls.parameters,
        quick=case_cls.quick if quick else None,
        config=config,
        config_origin=config_origin,
        overrides=overrides,
        samples=case_cls.samples_override(samples),
    )
    if seed < 0:
        raise ConfigError(f"--seed must be a non-negative integer, got {seed}")
    out_path = check_writable(out)
    ctx = RunContext(seed=seed, quick=quick, samples=samples, workers=workers,
                     scheduler=scheduler, quiet=quiet,
                     campaign_dir=out_path / ".campaigns" / name,
                     checkpoint_dir=out_path / ".checkpoints" / name)
    case = case_cls()
    start = time.perf_counter()
    try:
        result = case.run(params, ctx)
    except ScaleweaveError:
        raise
    except Exception as exc:  # a bug or a library failure inside the case
        raise ModelError(f"case {name!r} failed: {type(exc).__name__}: {exc}") from exc
    finally:
        ctx.close()
    runtime = time.perf_counter() - start
    result.resumed.update({c.key: c.resumed_at for c in ctx.checkpoints
                           if c.resumed_at is not None})
    folder = write_result(out_path, case, result, params, seed, runtime, target=target)
    for empty in (out_path / ".checkpoints" / name, out_path / ".checkpoints"):
        with contextlib.suppress(OSError):  # completed runs removed theirs: no debris
            empty.rmdir()
    return folder
