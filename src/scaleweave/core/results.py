"""The results contract: ``result.nc``, ``summary.json`` and figures, written atomically.

A case returns a :class:`CaseResult`. :func:`write_result` writes it into
``OUT/CASE/`` by building the whole folder under a temporary name beside it and
renaming it into place at the end, so a crash, a NaN or Ctrl-C never leaves a
half-written result, and a failed run keeps the previous good one.

``summary.json`` is the machine-readable contract every case follows::

    {"case", "title", "version", "commit", "seed", "runtime_s",
     "parameters": {NAME: {"value", "unit"}},
     "outputs":    {NAME: {"value", "unit", "lo", "hi"}},   # lo/hi: 95% interval or null
     "references": [{"name", "value", "expected", "tolerance", "passed", "source"}],
     "skipped_references": [{"name", "reason"}],
     "validity":   [{"bridge", "diagnostic", "value", "limit", "ok"}]}

plus ``figures`` (PNG names, headline first), ``description``, ``created``,
``timings`` and ``status``.

Figures are drawn by the case's ``figures(dataset)`` from the ``result.nc`` just
written (reopened), so what a figure shows is always in the results file and
:func:`redraw` can draw it again from the folder alone.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import shutil
import subprocess
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleweave._version import __version__
from scaleweave.core.checks import ReferenceCheck, SkippedReference, Validity
from scaleweave.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["CaseResult", "Output", "git_commit", "redraw", "write_result"]


@dataclass(frozen=True)
class Output:
    """A headline output of a case, with its 95% interval where it is uncertain.

    Parameters
    ----------
    value : float
        Best estimate (mean or median).
    unit : str
        Unit of ``value``, ``lo`` and ``hi``.
    lo, hi : float or None
        95% interval bounds, or None where the case has no uncertainty on it.
    description : str
        One line for the report.
    kind : {"estimate", "bounds"}
        ``bounds``: ``lo``/``hi`` are the ends of an interval or of a p-box's range
        (epistemic: no probability inside), shown as bounds, not as an error bar.
    error : float or None
        Monte Carlo standard error of ``value`` (same unit), where it is an
        estimate from samples; references scale their tolerance by it.
    """

    value: float
    unit: str = ""
    lo: float | None = None
    hi: float | None = None
    description: str = ""
    kind: str = "estimate"
    error: float | None = None

    def as_dict(self) -> dict[str, Any]:
        """The ``summary.json`` entry."""
        return {"value": _num(self.value), "unit": self.unit,
                "lo": None if self.lo is None else _num(self.lo),
                "hi": None if self.hi is None else _num(self.hi),
                "description": self.description, "kind": self.kind,
                "error": None if self.error is None else _num(self.error)}


@dataclass
class CaseResult:
    """Everything one case run produced.

    Attributes
    ----------
    dataset : xarray.Dataset
        Every variable with a ``units`` attribute.
    outputs : dict of str -> Output
        Headline numbers.
    references : list of ReferenceCheck
    validity : list of Validity
    timings : dict of str -> float
        Wall time (s) of the case's stages.
    failed_samples : int
        Ensemble samples that failed (recorded with their errors, left out of the
        statistics); reported in ``summary.json``.
    files : dict of str -> callable
        Extra files beside ``result.nc`` (e.g. ArviZ InferenceData): file name ->
        ``writer(path)``, called inside the atomic write; listed in ``summary.json``.
    resumed : dict of str -> int
        Long runs that resumed from a checkpoint: run label -> the macro step it
        resumed at (``summary.json`` key ``resumed_from_checkpoint``).
    skipped : list of SkippedReference
        References that do not apply to the chosen inputs, with the reason.
    """

    dataset: xr.Dataset
    outputs: dict[str, Output] = field(default_factory=dict)
    references: list[ReferenceCheck] = field(default_factory=list)
    validity: list[Validity] = field(default_factory=list)
    timings: dict[str, float] = field(default_factory=dict)
    failed_samples: int = 0
    files: dict[str, Callable[[Path], Any]] = field(default_factory=dict)
    resumed: dict[str, int] = field(default_factory=dict)
    skipped: list[SkippedReference] = field(default_factory=list)

    @property
    def passed(self) -> bool:
        """True if every reference check passed."""
        return all(r.passed for r in self.references)


def _num(x: Any) -> float | None:
    """A JSON-safe float: NaN and infinities become None."""
    x = float(x)
    return x if math.isfinite(x) else None


@lru_cache(maxsize=1)
def git_commit() -> str | None:
    """The git commit of the scaleweave source tree, or None outside a checkout."""
    here = Path(__file__).resolve().parent
    try:
        out = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=here, capture_output=True, text=True, timeout=5,
            check=False,
        )
    except (OSError, subprocess.SubprocessError):
        return None
    commit = out.stdout.strip()
    if out.returncode != 0 or len(commit) != 40:
        return None
    dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=here,
                           capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    return commit + ("-dirty" if dirty else "")


def _summary(case: Any, result: CaseResult, params: Any, seed: int, runtime_s: float,
             figure_names: list[str]) -> dict[str, Any]:
    return {
        "case": case.name,
        "title": case.title,
        "description": case.summary,
        "version": __version__,
        "commit": git_commit(),
        "seed": int(seed),
        "runtime_s": round(float(runtime_s), 4),
        "created": _dt.datetime.now(_dt.UTC).isoformat(timespec="seconds"),
        "status": "passed" if result.passed else "failed checks",
        "parameters": params.as_dict(),
        "outputs": {k: v.as_dict() for k, v in result.outputs.items()},
        "references": [r.as_dict() for r in result.references],
        "skipped_references": [r.as_dict() for r in result.skipped],
        "validity": [v.as_dict() for v in result.validity],
        "figures": figure_names,
        "timings": {k: round(float(v), 4) for k, v in result.timings.items()},
        "failed_samples": int(result.failed_samples),
        "resumed_from_checkpoint": dict(result.resumed),
    }


def _json_default(obj: Any) -> Any:
    try:
        import numpy as np

        if isinstance(obj, np.generic):
            return obj.item()
    except ImportError:  # pragma: no cover
        pass
    raise TypeError(f"not JSON serialisable: {type(obj).__name__}")


def _check_units(ds: xr.Dataset, case_name: str) -> None:
    missing = [str(n) for n in list(ds.data_vars) + list(ds.coords) if "units" not in ds[n].attrs]
    if missing:
        raise ConfigError(
            f"case {case_name!r}: dataset variables without a 'units' attribute: {missing}"
        )


def _save_figures(case: Any, nc_path: Path, folder: Path) -> list[str]:
    """Draw ``case.report_figures`` from the results file, save PNG + SVG; return PNG names."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import xarray as xr

    with xr.open_dataset(nc_path) as ds:
        ds.load()
        figures = case.report_figures(ds)
    names = []
    for stem, fig in figures.items():
        fig.savefig(folder / f"{stem}.png", dpi=130, bbox_inches="tight")
        fig.savefig(folder / f"{stem}.svg", bbox_inches="tight")
        plt.close(fig)
        names.append(f"{stem}.png")
    return names


def _replace_folder(tmp: Path, final: Path) -> None:
    """Move the finished ``tmp`` onto ``final``, keeping the old one until it is in place."""
    old: Path | None = None
    try:
        os.chmod(tmp, 0o755)
        if final.exists():
            old = final.parent / f".{final.name}.{os.getpid()}.old"
            os.replace(final, old)
        os.replace(tmp, final)
    except BaseException:
        if old is not None and not final.exists():
            os.replace(old, final)  # keep the previous good result
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def write_result(out_dir: str | os.PathLike, case: Any, result: CaseResult, params: Any,
                 seed: int, runtime_s: float, target: str | None = None) -> Path:
    """Write ``out_dir/CASE/{result.nc, summary.json, *.png}`` atomically.

    Parameters
    ----------
    out_dir : path
        The results folder (created if needed).
    case : Case
        The case (for ``name``, ``title``, ``summary`` and its ``figures``).
    result : CaseResult
    params : ParameterValues
    seed : int
    runtime_s : float
    target : str, optional
        How the case was named on the command line (``path/file.py:Class`` for a
        user's case), recorded so ``scaleweave report --redraw`` finds it again;
        default: its name.

    Returns
    -------
    Path
        The case folder.
    """
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    final = out / case.name
    ds = result.dataset.copy()
    _check_units(ds, case.name)
    summary = _summary(case, result, params, seed, runtime_s, [])
    tmp = Path(tempfile.mkdtemp(prefix=f".{case.name}.", suffix=".partial", dir=out))
    try:
        reserved = {"result.nc", "summary.json"}
        for fname, writer in result.files.items():
            if Path(fname).name != fname or fname in reserved or fname.startswith("."):
                raise ConfigError(f"case {case.name!r}: extra file name {fname!r} must be a "
                                  f"plain file name other than {sorted(reserved)}")
            writer(tmp / fname)
        summary["files"] = sorted(result.files)
        ds.attrs.update({
            "case": case.name,
            "case_target": target or case.name,
            "title": case.title,
            "scaleweave_version": __version__,
            "git_commit": summary["commit"] or "none",
            "seed": int(seed),
            "runtime_s": float(runtime_s),
            "created": summary["created"],
            "parameters": json.dumps(summary["parameters"], default=_json_default),
            "references": json.dumps(summary["references"], default=_json_default),
            "skipped_references": json.dumps(summary["skipped_references"]),
            "validity": json.dumps(summary["validity"], default=_json_default),
            "timings": json.dumps(summary["timings"], default=_json_default),
        })
        ds.to_netcdf(tmp / "result.nc")
        summary["figures"] = _save_figures(case, tmp / "result.nc", tmp)
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, default=_json_default, allow_nan=False) + "\n",
            encoding="utf-8",
        )
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _replace_folder(tmp, final)
    return final


def redraw(folder: str | os.PathLike, case: Any) -> list[str]:
    """Draw a results folder's figures again from its ``result.nc`` (atomically).

    Parameters
    ----------
    folder : path
        ``OUT/CASE`` as :func:`write_result` wrote it.
    case : Case
        The case that wrote it (its ``figures`` hook is used).

    Returns
    -------
    list of str
        The PNG names, headline first (also written into ``summary.json``).
    """
    folder = Path(folder)
    summary = json.loads((folder / "summary.json").read_text(encoding="utf-8"))
    tmp = Path(tempfile.mkdtemp(prefix=f".{folder.name}.", suffix=".partial",
                                dir=folder.parent))
    try:
        keep = set(summary.get("files", [])) | {"result.nc", "summary.json"}
        for item in folder.iterdir():
            if item.name in keep:
                shutil.copy2(item, tmp / item.name)
        summary["figures"] = _save_figures(case, tmp / "result.nc", tmp)
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, default=_json_default, allow_nan=False) + "\n",
            encoding="utf-8")
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    _replace_folder(tmp, folder)
    return summary["figures"]
