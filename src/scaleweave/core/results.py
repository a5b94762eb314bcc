"""The results contract: ``result.nc``, ``summary.json`` and figures, written atomically.

A case returns a :class:`CaseResult`. :func:`write_result` writes it into
``OUT/CASE/`` by building the whole folder under a temporary name beside it and
renaming it into place at the end, so a crash, a NaN or Ctrl-C never leaves a
half-written result, and a failed run keeps the previous good one. The hidden
folder a writer killed outright (SIGKILL) leaves is removed by the next write,
never one another process is writing (:mod:`scaleweave.core.folders`).

``summary.json`` is the machine-readable contract every case follows::

    {"case", "title", "version", "commit", "seed", "runtime_s",
     "parameters": {NAME: {"value", "unit"}},
     "outputs":    {NAME: {"value", "unit", "lo", "hi"}},   # lo/hi: 95% interval or null
     "references": [{"name", "value", "expected", "tolerance", "passed", "source",
                     "comparison", "unit"}],
     "skipped_references": [{"name", "reason"}],
     "validity":   [{"bridge", "diagnostic", "value", "limit", "ok"}]}

plus ``figures`` (PNG names, headline first), ``figure_captions`` (PNG name -> one
line), ``description``, ``created``, ``timings`` and ``status``.

Figures are drawn by the case's ``figures(dataset)`` from the ``result.nc`` just
written (reopened), so what a figure shows is always in the results file and
:func:`redraw` can draw it again from the folder alone. Each figure's caption is
its own: a ``caption`` attribute set on the Figure, else its suptitle, else its
axes' titles (:func:`figure_caption`); it is written into ``summary.json`` and into
the PNG and SVG files (metadata ``Title``).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import shutil
import subprocess
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from scaleweave._version import __version__
from scaleweave.core.checks import ReferenceCheck, SkippedReference, Validity
from scaleweave.core.folders import discard_partial, make_partial, remove_stale, replace_folder
from scaleweave.errors import ConfigError

if TYPE_CHECKING:
    import xarray as xr

__all__ = ["CaseResult", "Output", "figure_caption", "git_commit", "redraw", "write_result"]


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


@lru_cache(maxsize=8)
def git_commit(where: str | os.PathLike | None = None) -> str | None:
    """The git commit of the scaleweave source tree (or of ``where``), or None outside a checkout.

    ``-dirty`` is appended when tracked files differ from the commit. Git is asked
    without its optional locks (``--no-optional-locks``): a run never takes
    ``.git/index.lock`` or rewrites the index, so it cannot disturb a git command
    running in the same tree.
    """
    here = Path(where) if where is not None else Path(__file__).resolve().parent
    env = {**os.environ, "GIT_OPTIONAL_LOCKS": "0"}

    def git(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(["git", "--no-optional-locks", *args], cwd=here, env=env,
                              capture_output=True, text=True, timeout=5, check=False)

    try:
        out = git("rev-parse", "HEAD")
        commit = out.stdout.strip()
        if out.returncode != 0 or len(commit) != 40:
            return None
        dirty = git("status", "--porcelain", "--untracked-files=no").stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
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


def figure_caption(fig: Any) -> str:
    """A figure's one-line caption, from the figure itself.

    The ``caption`` attribute when a case set one (``fig.caption = "..."``), else the
    suptitle, else the titles of its axes joined with ``"; "``; ``""`` when it has
    none. Line breaks and runs of spaces become one space.

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> fig = Figure()
    >>> fig.subplots(1, 2)[0].set_title("left panel")
    Text(0.5, 1.0, 'left panel')
    >>> figure_caption(fig)
    'left panel'
    >>> fig.suptitle("Both panels,\\nat t = 1 s")
    Text(0.5, 0.98, 'Both panels,\\nat t = 1 s')
    >>> figure_caption(fig)
    'Both panels, at t = 1 s'
    """
    own = getattr(fig, "caption", None)
    texts = [own] if isinstance(own, str) and own.strip() else []
    get_suptitle = getattr(fig, "get_suptitle", None)
    if not texts and get_suptitle is not None and get_suptitle().strip():
        texts = [get_suptitle()]
    if not texts:
        titles = [ax.get_title(loc) for ax in getattr(fig, "axes", [])
                  for loc in ("left", "center", "right")]
        texts = list(dict.fromkeys(t for t in titles if t.strip()))
    return "; ".join(" ".join(t.split()) for t in texts)


def _save_figures(case: Any, nc_path: Path, folder: Path) -> tuple[list[str], dict[str, str]]:
    """Draw ``case.report_figures`` from the results file, save PNG + SVG (each with its
    caption as metadata ``Title``); return the PNG names and their captions."""
    import matplotlib

    matplotlib.use("Agg", force=False)
    import matplotlib.pyplot as plt
    import xarray as xr

    with xr.open_dataset(nc_path) as ds:
        ds.load()
        figures = case.report_figures(ds)
    names, captions = [], {}
    for stem, fig in figures.items():
        caption = figure_caption(fig)
        meta = {"Title": caption} if caption else {}
        fig.savefig(folder / f"{stem}.png", dpi=130, bbox_inches="tight", metadata=meta)
        fig.savefig(folder / f"{stem}.svg", bbox_inches="tight", metadata=meta)
        plt.close(fig)
        names.append(f"{stem}.png")
        if caption:
            captions[f"{stem}.png"] = caption
    return names, captions


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
    remove_stale(out, case.name)  # what killed writers left
    tmp = make_partial(out, case.name)
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
        summary["figures"], summary["figure_captions"] = _save_figures(
            case, tmp / "result.nc", tmp)
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, default=_json_default, allow_nan=False) + "\n",
            encoding="utf-8",
        )
    except BaseException:
        discard_partial(tmp)
        raise
    replace_folder(tmp, final)
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
    remove_stale(folder.parent, folder.name)
    tmp = make_partial(folder.parent, folder.name)
    try:
        keep = set(summary.get("files", [])) | {"result.nc", "summary.json"}
        for item in folder.iterdir():
            if item.name in keep:
                shutil.copy2(item, tmp / item.name)
        summary["figures"], summary["figure_captions"] = _save_figures(
            case, tmp / "result.nc", tmp)
        (tmp / "summary.json").write_text(
            json.dumps(summary, indent=2, default=_json_default, allow_nan=False) + "\n",
            encoding="utf-8")
    except BaseException:
        discard_partial(tmp)
        raise
    replace_folder(tmp, folder)
    return summary["figures"]
