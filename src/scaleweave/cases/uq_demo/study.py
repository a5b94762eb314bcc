"""The ``uq-demo`` studies (wiring) and what is derived from their runs."""

from __future__ import annotations

import numpy as np
import xarray as xr

from scaleweave.analytic.ishigami import ishigami_exact
from scaleweave.cases.base import Analysis, CaseRuns, RunContext, Sampling
from scaleweave.cases.uq_demo.references import ishigami_applies
from scaleweave.core.checks import Validity
from scaleweave.core.model import model_from_function
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output
from scaleweave.core.study import Study
from scaleweave.uq.propagate import PropagationResult, propagate, summary_value

__all__ = ["analyse", "ishigami_study", "oberkampf_study", "sampling", "study",
           "tail_study"]


def ishigami_study(a: float, b: float) -> Study:
    """Ishigami over two scales: ``atom`` (x1, x3) and ``meso`` (x2), summed by ``macro``.

    The coefficients are the models' own constants (``b`` of the atomistic model, ``a``
    of the mesoscale one), so the atomistic model alone can be replaced by a surrogate.
    """
    atom = model_from_function(
        lambda x1, x3: {"u": np.sin(x1) * (1.0 + b * x3**4)},
        inputs={"x1": "rad", "x3": ""}, outputs={"u": ""}, name="atom",
        length_scale=1e-10, vectorized=True)
    meso = model_from_function(
        lambda x2: {"v": a * np.sin(x2) ** 2}, inputs={"x2": "rad"}, outputs={"v": ""},
        name="meso", length_scale=1e-6, vectorized=True)
    macro = model_from_function(
        lambda u, v: {"y": u + v}, inputs={"u": "", "v": ""}, outputs={"y": ""},
        name="macro", length_scale=1e-2, vectorized=True)
    return Study([atom, meso, macro]).connect_by_name()


def tail_study() -> Study:
    """``X = mu + Z``: a location (epistemic) plus variability (aleatory)."""
    m = model_from_function(lambda mu, z: {"x": mu + z}, inputs={"mu": "", "z": ""},
                            outputs={"x": ""}, name="tail", vectorized=True)
    return Study([m])


def oberkampf_study() -> Study:
    """Oberkampf et al. (2004) challenge function ``y = (a + b)^a``."""
    m = model_from_function(lambda a, b: {"y": (a + b) ** a}, inputs={"a": "", "b": ""},
                            outputs={"y": ""}, name="challenge", vectorized=True)
    return Study([m])


def study(params: ParameterValues, ctx: RunContext) -> dict[str, Study]:
    """The three studies by label (the case binds its parameters into them)."""
    return {"ishigami": ishigami_study(params["a"], params["b"]), "pbox": tail_study(),
            "interval": oberkampf_study()}


def sampling(label: str, p: ParameterValues) -> Sampling:
    """Single loop, double loop and interval sizes; Sobol' indices of the Ishigami y."""
    common = {"method": p["method"], "n_outer": p["n_outer"], "n_inner": p["n_inner"]}
    if label == "ishigami":
        return Sampling(n=p["n_samples"], sobol={"y": "macro.y"}, n_base=p["n_base"],
                        **common)
    if label == "pbox":
        return Sampling(n=p["n_samples"], seed_offset=1, **common)
    return Sampling(n=256, seed_offset=2, **common)


def _rename(ds: xr.Dataset, prefix: str) -> xr.Dataset:
    return ds.rename({d: f"{prefix}_{d}" for d in ds.dims})


def _with_stats(ds: xr.Dataset, res: PropagationResult, port: str) -> xr.Dataset:
    """The port's summary statistics as attributes, so figures read them from the file."""
    ds[port].attrs.update({k: float(v) for k, v in res.stats[port].items()})
    ds[port].attrs["mode"] = res.mode
    return ds


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Outputs of the three studies, the surrogate stage and the coverage check."""
    p = runs.params
    outputs: dict[str, Output] = {}
    validity: list[Validity] = []
    notes: list[str] = []
    datasets: list[xr.Dataset] = []
    timings: dict[str, float] = {}

    ish = runs["ishigami"].propagation
    if ish is None:
        notes.append("Ishigami inputs are all fixed: nothing to propagate")
    else:
        datasets.append(_rename(_with_stats(ish.dataset.copy(), ish, "macro.y"), "ishigami"))
        value, lo, hi = summary_value(ish, "macro.y")
        outputs["ishigami_y"] = Output(
            value, "", lo, hi, f"Ishigami output ({ish.mode}; 95% interval)",
            kind="estimate" if ish.mode == "distribution" else "bounds")
        if ish.mode == "distribution":
            s = ish.stats["macro.y"]
            outputs["ishigami_mean"] = Output(s["mean"], "", s["mean_lo"], s["mean_hi"],
                                              "mean with its 95% Monte Carlo interval",
                                              error=s["mc_error"])
            outputs["ishigami_mean_mc_error"] = Output(s["mc_error"], "",
                                                       description="standard error")
            outputs["ishigami_variance"] = Output(
                float(ish.dataset["macro.y"].var()), "", description="sample variance of y",
                error=_variance_error(ish.dataset))
            unc = runs["ishigami"].uncertain
            atom_in = {n: unc[n] for n in ("x1", "x3") if n in unc and not unc[n].is_interval}
            if len(atom_in) == 2:
                validity.extend(_surrogate(runs["ishigami"].study, unc, atom_in, ish, p, ctx,
                                           outputs))
            if p["coverage_repeats"] > 0 and ishigami_applies(p):
                outputs["mean_interval_coverage"] = Output(
                    _coverage(runs["ishigami"].study, unc, p["method"], p["coverage_repeats"],
                              ishigami_exact(p["a"], p["b"])["mean"]), "",
                    description="fraction of seeded n=256 runs whose 95% interval of the "
                                "mean covers the exact mean")

    tail = runs["pbox"].propagation
    t = p["threshold"]
    if tail is not None:
        ds = tail.dataset.copy()
        ds["tail.x"].attrs["threshold"] = float(t)
        datasets.append(_rename(ds, "pbox"))
        plo, phi = tail.probability_bounds("tail.x", t)
        outputs["P_exceed"] = Output(0.5 * (plo + phi), "", plo, phi,
                                     f"P(X > {t:g}): bounds over the epistemic inputs",
                                     kind="bounds" if tail.mode == "pbox" else "estimate")
        # Binomial standard error of one outer point's estimate (i.i.d.; QMC does better).
        n_in = tail.dataset["tail.x"].shape[-1]
        outputs["P_exceed_lower"] = Output(plo, "", description="lower bound of P(X > t)",
                                           error=float(np.sqrt(plo * (1 - plo) / n_in)))
        outputs["P_exceed_upper"] = Output(phi, "", description="upper bound of P(X > t)",
                                           error=float(np.sqrt(phi * (1 - phi) / n_in)))

    ob = runs["interval"].propagation
    if ob is not None:
        datasets.append(_rename(_with_stats(ob.dataset.copy(), ob, "challenge.y"),
                                "interval"))
        value, lo, hi = summary_value(ob, "challenge.y")
        outputs["challenge_y"] = Output(value, "", lo, hi, f"(a + b)^a ({ob.mode})",
                                        kind="bounds" if ob.mode == "interval" else "estimate")
        outputs["challenge_y_lower"] = Output(lo, "", description="lower end of y's range")
        outputs["challenge_y_upper"] = Output(hi, "", description="upper end of y's range")

    ds = xr.merge(datasets, compat="override") if datasets else xr.Dataset()
    for name in list(ds.data_vars) + list(ds.coords):
        ds[name].attrs.setdefault("units", "1")
    return Analysis(outputs=outputs, dataset=ds, validity=validity, notes=notes,
                    timings=timings)


def _variance_error(ds: xr.Dataset) -> float:
    """Monte Carlo standard error of the sample variance of ``macro.y``.

    With QMC replicates (independent scramblings), from their spread, as the error
    of the mean is (t-interval over the replicates, as a standard error); without,
    the i.i.d. value ``sqrt((m4 - s^4) / n)``.
    """
    from scipy import stats

    y = ds["macro.y"].values
    ok = np.isfinite(y)
    if "replicate" in ds.coords and np.unique(ds["replicate"].values).size > 1:
        reps = ds["replicate"].values
        rep_vars = np.array([np.var(y[(reps == r) & ok]) for r in np.unique(reps)])
        k = rep_vars.size
        half = stats.t.ppf(0.975, k - 1) * rep_vars.std(ddof=1) / np.sqrt(k)
        return float(half / stats.norm.ppf(0.975))
    y = y[ok]
    var = float(np.var(y))
    return float(np.sqrt(max(np.mean((y - y.mean()) ** 4) - var**2, 0.0) / y.size))


def _surrogate(ish: Study, unc: dict, atom_in: dict, full: PropagationResult,
               p: ParameterValues, ctx: RunContext, outputs: dict) -> list[Validity]:
    """Replace the atomistic model by a PCE surrogate and propagate again.

    The surrogate's cross-validated error and the change it makes to the mean and
    variance of y (same samples through the full study) are its validity.
    """
    from scaleweave.uq.surrogate import train_surrogate

    sur = train_surrogate(ish.models["atom"], atom_in, n_train=p["surrogate_points"],
                          order=p["surrogate_order"], seed=ctx.seed, tolerance=0.01)
    study = Study({"atom": sur, "meso": ish.models["meso"], "macro": ish.models["macro"]})
    study.connect_by_name()
    for name, targets in ish.bindings.items():
        study.bind(name, *targets, value=ish.parameter_values[name])
    res = propagate(study, unc, n=p["n_samples"], method=p["method"], seed=ctx.seed,
                    evaluator=ctx.evaluator(study, "ishigami-surrogate"))
    s, f = res.stats["macro.y"], full.stats["macro.y"]
    outputs["surrogate_y_mean"] = Output(s["mean"], "", s["mean_lo"], s["mean_hi"],
                                         "Ishigami mean with the atomistic model replaced by "
                                         "its PCE surrogate", error=s["mc_error"])
    var_sur, var_full = float(res.dataset["macro.y"].var()), float(full.dataset["macro.y"].var())
    return [*sur.validity(),
            Validity("uq.pce_surrogate", "relative change of var(y) vs the full study",
                     abs(var_sur - var_full) / abs(var_full), 0.01),
            Validity("uq.pce_surrogate", "change of mean(y) vs the full study",
                     abs(s["mean"] - f["mean"]), 0.01)]


def _coverage(study: Study, unc: dict, method: str, repeats: int, truth: float) -> float:
    hits = 0
    for rep in range(repeats):
        s = propagate(study, unc, n=256, method=method, seed=10_000 + rep).stats["macro.y"]
        hits += s["mean_lo"] <= truth <= s["mean_hi"]
    return hits / repeats
