"""Case ``uq-demo``: a prediction with error bars, with the two kinds of uncertainty apart.

Three small studies run through the same machinery any case uses (study graph,
uncertain parameters, propagation, Sobol' indices), each against an exact answer:

* **Ishigami** (aleatory): ``y = sin x1 (1 + b x3^4) + a sin^2 x2`` split over two
  "scales", an atomistic model (x1, x3) and a mesoscale one (x2), joined in a
  macroscale sum. Its mean, variance and Sobol' indices are known in closed form
  (Ishigami & Homma 1990; Sobol' 2001), per parameter and per scale.
* **p-box** (aleatory inside epistemic): ``X = mu + Z``, ``Z ~ N(0, 1)`` aleatory and
  ``mu`` only known to lie in an interval: the exceedance probability ``P(X > t)``
  is an interval, drawn as a p-box (lower and upper CDF), not one blurred curve.
* **Oberkampf challenge** (intervals): ``y = (a + b)^a`` over an interval box
  (Oberkampf et al. 2004): the output is an interval whose lower end is interior.

Every parameter can be changed, including its distribution
(``--set 'x2=normal(0, 1) aleatory'``); the closed-form references are checked
where they apply to the chosen inputs and left out (with a note) where they do not.
"""

from __future__ import annotations

import math
import time
from typing import Any, ClassVar

import numpy as np
import xarray as xr
from scipy import stats

from scaleweave.cases.base import Case, RunContext
from scaleweave.core.checks import ReferenceCheck, Validity
from scaleweave.core.distributions import Interval, Normal, Uniform
from scaleweave.core.model import model_from_function
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.results import CaseResult, Output
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity
from scaleweave.uq.propagate import PropagationResult, propagate

__all__ = ["UQDemo", "ishigami_exact", "ishigami_study", "oberkampf_study", "tail_study"]

_ISHIGAMI = "Ishigami & Homma (1990); Sobol' (2001); Saltelli et al. (2010)"
_UNIFORM_PI = "uniform(-pi, pi) aleatory"


def ishigami_study(a: float, b: float) -> Study:
    """Ishigami over two scales: ``atom`` (x1, x3) and ``meso`` (x2), summed by ``macro``."""
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


def ishigami_exact(a: float, b: float) -> dict[str, float]:
    """Closed-form mean, variance and Sobol' indices for x_i ~ U(-pi, pi)."""
    pi4, pi8 = math.pi**4, math.pi**8
    v1 = 0.5 * (1 + b * pi4 / 5) ** 2
    v2 = a * a / 8
    v13 = 8 * b * b * pi8 / 225
    var = v1 + v2 + v13
    return {"mean": a / 2, "var": var, "S1_x1": v1 / var, "S1_x2": v2 / var, "S1_x3": 0.0,
            "ST_x1": (v1 + v13) / var, "ST_x2": v2 / var, "ST_x3": v13 / var,
            "S1_atom": (v1 + v13) / var, "ST_atom": (v1 + v13) / var,
            "S1_meso": v2 / var, "ST_meso": v2 / var}


def _si(value: float, unit: str) -> Any:
    """An SI magnitude as a quantity (for binding nominal values)."""
    return Quantity(value, Quantity(1.0, unit or "dimensionless").to_base_units().units)


def _bind(study: Study, params: ParameterValues, names: dict[str, str]) -> dict[str, Any]:
    for name, target in names.items():
        study.bind(name, target, value=_si(params[name], params.units[name]))
    return {n: params.uncertain[n] for n in names if n in params.uncertain}


def _is_uniform_pi(d: Any) -> bool:
    return (isinstance(d, Uniform) and not isinstance(d, Interval) and d.kind == "aleatory"
            and math.isclose(d.lo, -math.pi) and math.isclose(d.hi, math.pi))


def _rename(ds: xr.Dataset, prefix: str) -> xr.Dataset:
    return ds.rename({d: f"{prefix}_{d}" for d in ds.dims})


class UQDemo(Case):
    """Distributions, p-boxes, intervals and per-scale Sobol' indices through study graphs."""

    name = "uq-demo"
    title = "Uncertainty through the scales: distributions, p-boxes, intervals, Sobol' indices"
    description = (
        "A prediction with error bars, aleatory and epistemic kept apart. Ishigami's function "
        "split over an atomistic and a mesoscale model gives a distribution and Sobol' indices "
        "per parameter and per scale; X = mu + Z with mu only known to an interval gives a "
        "p-box of the exceedance probability; Oberkampf's challenge function (a+b)^a over "
        "interval inputs gives an interval. Each is checked against its exact answer."
    )
    parameters = (
        Parameter("x1", _UNIFORM_PI, "rad", "Ishigami input at the atomistic scale",
                  uncertain=True, binds=("atom.x1",), scale="atom"),
        Parameter("x2", _UNIFORM_PI, "rad", "Ishigami input at the mesoscale", uncertain=True,
                  binds=("meso.x2",), scale="meso"),
        Parameter("x3", _UNIFORM_PI, "", "Ishigami input at the atomistic scale",
                  uncertain=True, binds=("atom.x3",), scale="atom"),
        Parameter("a", 7.0, "", "Ishigami coefficient a"),
        Parameter("b", 0.1, "", "Ishigami coefficient b"),
        Parameter("mu", "interval(0, 1)", "", "location of X (epistemic)", uncertain=True),
        Parameter("z", "normal(0, 1) aleatory", "", "variability of X (aleatory)",
                  uncertain=True),
        Parameter("threshold", 2.0, "", "exceedance threshold t in P(X > t)"),
        Parameter("ob_a", "interval(0.1, 1)", "", "challenge input a", low=0.0, low_open=True,
                  uncertain=True),
        Parameter("ob_b", "interval(0, 1)", "", "challenge input b", low=0.0, uncertain=True),
        Parameter("n_samples", 16384, "", "samples of the single loop (power of 2)", low=16,
                  integer=True),
        Parameter("n_base", 8192, "", "Sobol' base sample size N (power of 2)", low=64,
                  integer=True),
        Parameter("n_outer", 32, "", "epistemic (outer) samples of the double loop", low=2,
                  integer=True),
        Parameter("n_inner", 16384, "", "aleatory (inner) samples of the double loop",
                  low=16, integer=True),
        Parameter("coverage_repeats", 200, "", "repetitions of the error-bar coverage check",
                  low=0, integer=True),
        Parameter("method", "qmc", "", "sampler of single and inner loops",
                  choices=("qmc", "mc")),
        Parameter("surrogate_order", 10, "", "polynomial order of the atomistic surrogate",
                  low=1, high=20, integer=True),
        Parameter("surrogate_points", 1024, "", "training runs of the atomistic surrogate",
                  low=16, integer=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("SALib", "uq"),)

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        from scaleweave.cases._uq_demo_figures import figures
        from scaleweave.uq.sensitivity import sobol_analysis

        p = params
        seed = ctx.seed
        timings: dict[str, float] = {}
        refs: list[ReferenceCheck] = []
        outputs: dict[str, Output] = {}
        validity: list[Validity] = []
        notes: list[str] = []
        datasets: list[xr.Dataset] = []

        # -- Ishigami: distribution and Sobol' indices per parameter and per scale ------
        tic = time.perf_counter()
        a, b = p["a"], p["b"]
        ish = ishigami_study(a, b)
        declared = {q.name: q for q in self.parameters}
        scale_of = {n: declared[n].scale for n in ("x1", "x2", "x3")}
        unc = _bind(ish, p, {n: declared[n].binds[0] for n in ("x1", "x2", "x3")})
        ish_res: PropagationResult | None = None
        sobol = None
        if unc:
            evaluate = ctx.evaluator(ish, "ishigami")
            ish_res = propagate(ish, unc, n=p["n_samples"], method=p["method"], seed=seed,
                                n_outer=p["n_outer"], n_inner=p["n_inner"], evaluator=evaluate)
            datasets.append(_rename(ish_res.dataset, "ishigami"))
            value, lo, hi = _summary(ish_res, "macro.y")
            outputs["ishigami_y"] = Output(
                value, "", lo, hi, f"Ishigami output ({ish_res.mode}; 95% interval)",
                kind="estimate" if ish_res.mode == "distribution" else "bounds")
            if ish_res.mode == "distribution":
                s = ish_res.stats["macro.y"]
                outputs["ishigami_mean"] = Output(s["mean"], "", s["mean_lo"], s["mean_hi"],
                                                  "mean with its 95% Monte Carlo interval")
                outputs["ishigami_mean_mc_error"] = Output(s["mc_error"], "",
                                                           description="standard error")
            ordinary = [n for n, d in unc.items() if not d.is_interval]
            if ish_res.mode == "distribution" and len(ordinary) >= 2:
                names = list(unc)
                sobol_eval = ctx.evaluator(ish, "ishigami-sobol")

                def rows(X: np.ndarray, names=names, evaluate=sobol_eval):
                    return {"y": evaluate(names, X)["macro.y"]}

                sobol = sobol_analysis(rows, [(n, unc[n]) for n in names],
                                       groups={n: scale_of[n] for n in names},
                                       n_base=p["n_base"], seed=seed)
                datasets.append(sobol.to_dataset())
                for j, n in enumerate(sobol.parameters):
                    idx = sobol.by_parameter["y"]
                    outputs[f"S1_{n}"] = Output(idx.S1[j], "", idx.S1[j] - idx.S1_conf[j],
                                                idx.S1[j] + idx.S1_conf[j],
                                                f"first-order Sobol' index of {n}")
                    outputs[f"ST_{n}"] = Output(idx.ST[j], "", idx.ST[j] - idx.ST_conf[j],
                                                idx.ST[j] + idx.ST_conf[j],
                                                f"total Sobol' index of {n}")
                for j, g in enumerate(sobol.groups):
                    idx = sobol.by_group["y"]
                    outputs[f"S1_scale_{g}"] = Output(
                        idx.S1[j], "", idx.S1[j] - idx.S1_conf[j], idx.S1[j] + idx.S1_conf[j],
                        f"closed first-order index of the {g} scale's inputs")
                    outputs[f"ST_scale_{g}"] = Output(
                        idx.ST[j], "", idx.ST[j] - idx.ST_conf[j], idx.ST[j] + idx.ST_conf[j],
                        f"total index of the {g} scale's inputs")
            atom_in = {n: unc[n] for n in ("x1", "x3") if n in unc and not unc[n].is_interval}
            if ish_res.mode == "distribution" and len(atom_in) == 2:
                _surrogate(ish, unc, atom_in, ish_res, p, seed, ctx, outputs, refs, validity)
            exact_applies = (all(_is_uniform_pi(unc.get(n)) for n in ("x1", "x2", "x3")))
            if exact_applies:
                ex = ishigami_exact(a, b)
                s = ish_res.stats["macro.y"]
                # 4 Monte Carlo standard errors (QMC: from independent scramblings).
                refs.append(ReferenceCheck("Ishigami mean", s["mean"], ex["mean"],
                                           max(4 * s["mc_error"], 1e-4), _ISHIGAMI, "abs"))
                refs.append(ReferenceCheck("Ishigami variance",
                                           float(ish_res.dataset["macro.y"].var()), ex["var"],
                                           0.01, _ISHIGAMI))
                if sobol is not None:
                    for key in ("S1_x1", "S1_x2", "S1_x3", "ST_x1", "ST_x2", "ST_x3",
                                "S1_scale_atom", "ST_scale_atom", "S1_scale_meso",
                                "ST_scale_meso"):
                        exact_key = key.replace("scale_", "")
                        refs.append(ReferenceCheck(f"Ishigami {key}", outputs[key].value,
                                                   ex[exact_key], 0.02, _ISHIGAMI, "abs"))
                if p["coverage_repeats"] > 0:
                    cover = _coverage(ish, unc, p["method"], p["coverage_repeats"], ex["mean"])
                    k = p["coverage_repeats"]
                    refs.append(ReferenceCheck(
                        f"coverage of the 95% interval of the mean ({k} seeded repeats, n=256)",
                        cover, 0.95, 3 * math.sqrt(0.95 * 0.05 / k),
                        "a 95% interval must cover the true mean 95% of the time; tolerance "
                        "3 binomial standard deviations", "abs"))
            else:
                notes.append("Ishigami references left out: they need x1, x2, x3 ~ "
                             "uniform(-pi, pi) aleatory")
        else:
            notes.append("Ishigami inputs are all fixed: nothing to propagate")
        timings["ishigami"] = time.perf_counter() - tic

        # -- p-box of an exceedance probability ------------------------------------------
        tic = time.perf_counter()
        tail = tail_study()
        unc_t = _bind(tail, p, {"mu": "tail.mu", "z": "tail.z"})
        tail_res: PropagationResult | None = None
        t = p["threshold"]
        if unc_t:
            tail_res = propagate(tail, unc_t, n=p["n_samples"], method=p["method"],
                                 n_outer=p["n_outer"], n_inner=p["n_inner"], seed=seed + 1,
                                 evaluator=ctx.evaluator(tail, "pbox"))
            datasets.append(_rename(tail_res.dataset, "pbox"))
            plo, phi = tail_res.probability_bounds("tail.x", t)
            outputs["P_exceed"] = Output(0.5 * (plo + phi), "", plo, phi,
                                         f"P(X > {t:g}): bounds over the epistemic inputs",
                                         kind="bounds" if tail_res.mode == "pbox" else
                                         "estimate")
            mu, z = unc_t.get("mu"), unc_t.get("z")
            if isinstance(mu, Interval) and isinstance(z, Normal) and z.kind == "aleatory":
                src = "exact normal tails: P(X > t) = 1 - Phi((t - mu - m)/s) at the ends of mu"
                refs.append(ReferenceCheck("P(X > t) lower bound", plo,
                                           float(stats.norm.sf((t - mu.lo - z.mean) / z.sd)),
                                           1e-3, src, "abs"))
                refs.append(ReferenceCheck("P(X > t) upper bound", phi,
                                           float(stats.norm.sf((t - mu.hi - z.mean) / z.sd)),
                                           1e-3, src, "abs"))
            else:
                notes.append("p-box references left out: they need mu an interval and z a "
                             "normal aleatory distribution")
        timings["pbox"] = time.perf_counter() - tic

        # -- interval analysis of the challenge function -----------------------------------
        tic = time.perf_counter()
        ob = oberkampf_study()
        unc_o = _bind(ob, p, {"ob_a": "challenge.a", "ob_b": "challenge.b"})
        ob_res: PropagationResult | None = None
        if unc_o:
            ob_res = propagate(ob, unc_o, n=256, seed=seed + 2, n_outer=p["n_outer"],
                               n_inner=p["n_inner"], method=p["method"],
                               evaluator=ctx.evaluator(ob, "interval"))
            datasets.append(_rename(ob_res.dataset, "interval"))
            value, lo, hi = _summary(ob_res, "challenge.y")
            outputs["challenge_y"] = Output(value, "", lo, hi, f"(a + b)^a ({ob_res.mode})",
                                            kind="bounds" if ob_res.mode == "interval" else
                                            "estimate")
            if ob_res.mode == "interval":
                ea, eb = unc_o.get("ob_a"), unc_o.get("ob_b")
                ex_lo, ex_hi = _grid_bounds(ea, eb, p)
                src = ("Oberkampf et al. (2004) challenge problem, [0.69220, 2.0] for the "
                       "default box; here from an exhaustive 2001 x 2001 grid of the box")
                refs.append(ReferenceCheck("challenge y lower bound", lo, ex_lo, 1e-4, src,
                                           "abs"))
                refs.append(ReferenceCheck("challenge y upper bound", hi, ex_hi, 1e-4, src,
                                           "abs"))
        timings["interval"] = time.perf_counter() - tic

        n_eval = sum(r.n_evaluations for r in (ish_res, tail_res, ob_res) if r is not None)
        n_eval += sobol.n_evaluations if sobol is not None else 0
        ds = xr.merge(datasets, compat="override") if datasets else xr.Dataset()
        ds.attrs["notes"] = "; ".join(notes)
        ds.attrs["n_evaluations"] = int(n_eval)
        for name in list(ds.data_vars) + list(ds.coords):
            ds[name].attrs.setdefault("units", "1")
        failed = sum(r.n_failed for r in (ish_res, tail_res, ob_res) if r is not None)
        return CaseResult(
            dataset=ds, outputs=outputs, references=refs, validity=validity,
            figures=figures(ish_res, sobol, tail_res, ob_res, t), timings=timings,
            failed_samples=failed)


def _surrogate(ish: Study, unc: dict, atom_in: dict, full: PropagationResult,
               p: ParameterValues, seed: int, ctx: RunContext, outputs: dict, refs: list,
               validity: list) -> None:
    """Replace the atomistic model by a PCE surrogate and propagate again."""
    from scaleweave.uq.surrogate import train_surrogate

    sur = train_surrogate(ish.models["atom"], atom_in, n_train=p["surrogate_points"],
                          order=p["surrogate_order"], seed=seed, tolerance=0.01)
    study = Study({"atom": sur, "meso": ish.models["meso"], "macro": ish.models["macro"]})
    study.connect_by_name()
    for name, targets in ish.bindings.items():
        study.bind(name, *targets, value=ish.parameter_values[name])
    res = propagate(study, unc, n=p["n_samples"], method=p["method"], seed=seed,
                    evaluator=ctx.evaluator(study, "ishigami-surrogate"))
    s, f = res.stats["macro.y"], full.stats["macro.y"]
    outputs["surrogate_y_mean"] = Output(s["mean"], "", s["mean_lo"], s["mean_hi"],
                                         "Ishigami mean with the atomistic model replaced by "
                                         "its PCE surrogate")
    refs.append(ReferenceCheck(
        "variance of y with the atomistic surrogate vs the full study",
        float(res.dataset["macro.y"].var()), float(full.dataset["macro.y"].var()), 0.01,
        "same samples through the full study; the surrogate's cross-validated error is its "
        "own validity diagnostic"))
    refs.append(ReferenceCheck("mean of y with the atomistic surrogate vs the full study",
                               s["mean"], f["mean"], 0.01, "same samples, full study", "abs"))
    validity.extend(sur.validity())


def _summary(res: PropagationResult, port: str) -> tuple[float, float, float]:
    from scaleweave.uq.propagate import summary_value

    return summary_value(res, port)


def _coverage(study: Study, unc: dict, method: str, repeats: int, truth: float) -> float:
    hits = 0
    for rep in range(repeats):
        s = propagate(study, unc, n=256, method=method, seed=10_000 + rep).stats["macro.y"]
        hits += s["mean_lo"] <= truth <= s["mean_hi"]
    return hits / repeats


def _grid_bounds(da: Any, db: Any, p: ParameterValues) -> tuple[float, float]:
    """Exhaustive bounds of (a + b)^a on the box (fixed inputs stay fixed)."""
    ga = np.linspace(da.lo, da.hi, 2001) if da is not None else np.array([p["ob_a"]])
    gb = np.linspace(db.lo, db.hi, 2001) if db is not None else np.array([p["ob_b"]])
    A, B = np.meshgrid(ga, gb, indexing="ij")
    y = (A + B) ** A
    if da is not None and db is not None and da.lo <= 1 / math.e <= da.hi and db.lo == 0.0:
        y = np.append(y.ravel(), math.exp(-1 / math.e))  # the interior minimum at b = 0
    return float(np.min(y)), float(np.max(y))
