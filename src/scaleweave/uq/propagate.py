"""Propagate uncertain parameters through a study graph, keeping every quantity.

Three regimes, chosen from the kinds of the uncertain inputs:

* **one kind** (all aleatory, or all epistemic distributions): a single loop of
  Monte Carlo or scrambled Sobol' samples gives an ordinary distribution of every
  port in the graph; the Monte Carlo error of each mean is reported (for QMC from
  independent scramblings);
* **both kinds** (or intervals beside distributions): a double loop, epistemic
  outside, aleatory inside; every outer point gives a CDF of each output and the
  envelope of these CDFs is a *p-box* (lower and upper CDF). Interval inputs put
  the corners of their box into the outer design, where monotone responses peak;
* **intervals only**: interval analysis, the lowest and highest value of each
  output over the box (sampled, then polished by bounded local optimisation).

Every intermediate quantity of the graph, not only its last output, is kept as a
sampled variable with a ``sample`` (or ``outer`` x ``inner``) dimension.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
import xarray as xr
from scipy import optimize, stats

from scaleweave.core.distributions import Uncertain
from scaleweave.core.study import Study
from scaleweave.errors import ConfigError, ModelError
from scaleweave.uq.sampling import box_vertices, unit_samples
from scaleweave.uq.sizes import check_sizes

__all__ = ["Evaluator", "PropagationResult", "batch_evaluator", "exceedance_bounds",
           "in_port_units", "pbox_bounds", "plan", "propagate", "summary_value"]

#: Evaluates rows of SI parameter values: ``(names, X) -> {"model.port": array}``.
Evaluator = Callable[[Sequence[str], np.ndarray], dict[str, np.ndarray]]


def batch_evaluator(study: Study) -> Evaluator:
    """Evaluate all rows in one vectorised pass of the study (in this process)."""

    def evaluate(names: Sequence[str], X: np.ndarray) -> dict[str, np.ndarray]:
        result = study.run(params={n: X[:, j] for j, n in enumerate(names)}, batch=len(X))
        return {k: np.asarray(v, dtype=float) for k, v in result.si.items()}

    return evaluate


@dataclass
class PropagationResult:
    """Sampled ports of a study under uncertainty.

    Attributes
    ----------
    mode : {"distribution", "pbox", "interval"}
        How the uncertainty was propagated.
    dataset : xarray.Dataset
        Every scalar port (``"model.port"``) with dims ``sample`` (distribution,
        interval) or ``outer`` x ``inner`` (p-box), plus the sampled parameters;
        ``units`` on every variable.
    stats : dict
        Per port: ``mean``, ``mean_lo``/``mean_hi`` (95% interval of the mean from the
        Monte Carlo error), ``q025``/``q975`` (95% prediction interval), and for
        p-boxes and intervals ``lo``/``hi`` bounds.
    n_evaluations : int
        Study evaluations used.
    n_failed : int
        Samples whose evaluation failed (NaN in the dataset, left out of the stats).
    """

    mode: Literal["distribution", "pbox", "interval"]
    dataset: xr.Dataset
    stats: dict[str, dict[str, float]] = field(default_factory=dict)
    n_evaluations: int = 0
    n_failed: int = 0

    def probability_bounds(self, port: str, threshold: float, above: bool = True
                           ) -> tuple[float, float]:
        """Bounds of ``P(port > threshold)`` (or ``<`` with ``above=False``).

        For a distribution, both bounds are the single estimate; for a p-box they
        are the lowest and highest probability over the epistemic outer points.
        """
        return exceedance_bounds(self.dataset[port].values, threshold, above=above)

    def pbox(self, port: str, grid: np.ndarray | None = None
             ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """``(x, lower_cdf, upper_cdf)`` of a port (a p-box; equal for a distribution)."""
        return pbox_bounds(self.dataset[port].values, grid)


def exceedance_bounds(y: np.ndarray, threshold: float, *, above: bool = True
                      ) -> tuple[float, float]:
    """Bounds of ``P(y > threshold)`` over samples ``y``.

    ``y`` of shape (outer, inner) is a p-box (lowest and highest probability over the
    outer points); of any other shape, one distribution (both bounds equal). NaN
    samples (failed rows) are left out, not counted as misses.
    """
    y = np.asarray(y, dtype=float)
    valid = np.isfinite(y)
    event = (y > threshold if above else y < threshold) & valid
    if y.ndim == 2:
        p = event.sum(axis=1) / np.maximum(valid.sum(axis=1), 1)
        return float(p.min()), float(p.max())
    p = float(event.sum() / max(valid.sum(), 1))
    return p, p


def pbox_bounds(y: np.ndarray, grid: np.ndarray | None = None
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``(x, lower_cdf, upper_cdf)`` of samples ``y`` (2-D: outer x inner, a p-box)."""
    y = np.asarray(y, dtype=float)
    if y.ndim != 2:
        y = y.reshape(1, -1)
    if grid is None:
        grid = np.linspace(np.nanmin(y), np.nanmax(y), 400)
    ys = np.sort(y, axis=1)
    cdfs = np.stack([np.searchsorted(row, grid, side="right") / row.size for row in ys])
    return grid, cdfs.min(axis=0), cdfs.max(axis=0)


def plan(uncertain: Mapping[str, Uncertain]) -> tuple[list[str], list[str], str]:
    """Split parameter names into ``(outer, inner, mode)`` by their kinds."""
    has_aleatory = any(d.kind == "aleatory" for d in uncertain.values())
    outer = [n for n, d in uncertain.items()
             if d.is_interval or (has_aleatory and d.kind == "epistemic")]
    inner = [n for n in uncertain if n not in outer]
    if not outer:
        return [], inner, "distribution"
    if not inner:
        return outer, [], "interval"
    return outer, inner, "pbox"


def in_port_units(study: Study, uncertain: Mapping[str, Uncertain]) -> dict[str, Uncertain]:
    """The distributions read in the units of the ports they feed.

    One rule with bare numbers: a distribution without a unit is in its port's unit;
    one with a unit must have the port's dimension (:meth:`Uncertain.in_unit`).
    """
    return {n: d.in_unit(study.parameter_unit(n), where=f"uncertain parameter {n!r}")
            if isinstance(d, Uncertain) and n in study.bindings else d
            for n, d in uncertain.items()}


def _values(dists: Sequence[Uncertain], U: np.ndarray) -> np.ndarray:
    return np.column_stack([d.ppf(U[:, j]) for j, d in enumerate(dists)]) if dists else (
        np.empty((len(U), 0)))


def _scalar_ports(out: Mapping[str, np.ndarray], n: int) -> dict[str, np.ndarray]:
    ports = {k: v for k, v in out.items() if v.shape == (n,)}
    if not ports:
        raise ModelError(f"every one of the {n} samples failed; nothing to summarise")
    return ports


def _n_failed(out: Mapping[str, np.ndarray]) -> int:
    return int(max(np.isnan(v).sum() for v in out.values()))


def _dataset(study: Study, out: Mapping[str, np.ndarray], names: Sequence[str],
             units: Mapping[str, str], X: np.ndarray, dims: tuple[str, ...],
             shape: tuple[int, ...], kinds: Mapping[str, str]) -> xr.Dataset:
    data = {}
    for port, values in out.items():
        inst, pname = port.split(".")
        unit = study.models[inst].input_port(pname).unit if any(
            p.name == pname for p in study.models[inst].inputs) else (
            study.models[inst].output_port(pname).unit)
        data[port] = (dims, values.reshape(shape), {"units": _si_text(unit)})
    for j, name in enumerate(names):
        data[f"param.{name}"] = (dims, X[:, j].reshape(shape),
                                 {"units": _si_text(units[name]), "kind": kinds[name]})
    return xr.Dataset(data)


def _si_text(unit: str) -> str:
    from scaleweave.core.units import ureg

    u = ureg.Quantity(1.0, unit or "dimensionless").to_base_units().units
    return "1" if u == ureg.dimensionless else f"{u:~}"


def propagate(
    study: Study,
    uncertain: Mapping[str, Uncertain],
    *,
    n: int = 1024,
    method: str = "qmc",
    replicates: int = 8,
    n_outer: int = 32,
    n_inner: int = 1024,
    seed: int = 0,
    evaluator: Evaluator | None = None,
) -> PropagationResult:
    """Carry uncertain study parameters through the graph.

    Parameters
    ----------
    study : Study
        The graph; every uncertain name must be a parameter bound in it.
    uncertain : mapping of str -> Uncertain
        Parameter name -> distribution (aleatory, epistemic, or interval).
    n : int
        Samples of a single loop (split into ``replicates`` scramblings for QMC), or
        of the box for interval analysis.
    method : {"qmc", "mc"}
        Sampler of the single loop and of the inner loop.
    replicates : int
        Independent scramblings that give the QMC error of each mean.
    n_outer, n_inner : int
        Double-loop sizes (outer: plus the corners of interval boxes).
    seed : int
        Root seed; the outer and inner designs use independent child seeds.
    evaluator : callable, optional
        How rows are evaluated (default: one vectorised pass in this process).

    Raises
    ------
    ConfigError
        An uncertain parameter no model uses, or bad sizes.
    """
    unused = sorted(set(uncertain) - set(study.bindings))
    if unused:
        raise ConfigError(
            f"uncertain parameter {unused[0]!r} is used by no model of the study (its "
            f"parameters are {sorted(study.bindings) or 'none'})"
        )
    if not uncertain:
        raise ConfigError("nothing to propagate: no parameter is uncertain")
    uncertain = in_port_units(study, uncertain)
    check_sizes(uncertain, n=n, method=method, replicates=replicates, n_outer=n_outer,
                n_inner=n_inner)
    evaluate = evaluator or batch_evaluator(study)
    units = {name: study.parameter_unit(name) for name in uncertain}
    kinds = {name: ("interval" if d.is_interval else d.kind) for name, d in uncertain.items()}
    outer, inner, mode = plan(uncertain)
    root = np.random.SeedSequence(seed)
    s_outer, s_inner = root.spawn(2)
    if mode == "distribution":
        return _single_loop(study, uncertain, inner, n, method, replicates, s_inner, evaluate,
                            units, kinds)
    if mode == "interval":
        return _interval(study, uncertain, outer, n, s_outer, evaluate, units, kinds)
    return _double_loop(study, uncertain, outer, inner, n_outer, n_inner, method, s_outer,
                        s_inner, evaluate, units, kinds)


def _single_loop(study, uncertain, names, n, method, replicates, seed, evaluate, units, kinds
                 ) -> PropagationResult:
    dists = [uncertain[k] for k in names]
    reps = replicates if method == "qmc" else 1
    if n % reps:
        raise ConfigError(f"{n} samples do not split into {reps} replicates")
    per = n // reps
    U = np.vstack([unit_samples(per, len(names), method=method, seed=s)
                   for s in seed.spawn(reps)])
    X = _values(dists, U)
    out = _scalar_ports(evaluate(names, X), n)
    ds = _dataset(study, out, names, units, X, ("sample",), (n,), kinds)
    ds = ds.assign_coords(replicate=("sample", np.repeat(np.arange(reps), per),
                                     {"units": "1"}),
                          sample=("sample", np.arange(n), {"units": "1"}))
    stats_ = {}
    for port, y in out.items():
        ok = np.isfinite(y)
        mean = float(np.nanmean(y))
        if reps > 1:  # QMC: spread of independent scramblings, t-interval
            rep_means = np.nanmean(y.reshape(reps, per), axis=1)
            half = stats.t.ppf(0.975, reps - 1) * rep_means.std(ddof=1) / np.sqrt(reps)
        else:  # MC: central limit theorem
            half = 1.959963984540054 * np.nanstd(y, ddof=1) / np.sqrt(ok.sum())
        q025, q975 = np.nanquantile(y, [0.025, 0.975])
        stats_[port] = {"mean": mean, "mean_lo": mean - half, "mean_hi": mean + half,
                        "mc_error": half / 1.959963984540054, "sd": float(np.nanstd(y, ddof=1)),
                        "q025": float(q025), "q975": float(q975)}
    return PropagationResult("distribution", ds, stats_, n, _n_failed(out))


def _outer_points(dists: Sequence[Uncertain], n_outer: int, seed) -> np.ndarray:
    d = len(dists)
    U = unit_samples(n_outer, d, method="qmc", seed=seed)
    if d <= 6 and all(x.is_interval for x in dists):
        U = np.vstack([box_vertices(d), U])
    return _values(dists, U)


def _double_loop(study, uncertain, outer, inner, n_outer, n_inner, method, s_outer, s_inner,
                 evaluate, units, kinds) -> PropagationResult:
    Xo = _outer_points([uncertain[k] for k in outer], n_outer, s_outer)
    Ui = unit_samples(n_inner, len(inner), method=method, seed=s_inner)  # common to all
    Xi = _values([uncertain[k] for k in inner], Ui)
    no, ni = len(Xo), len(Xi)
    X = np.hstack([np.repeat(Xo, ni, axis=0), np.tile(Xi, (no, 1))])
    names = [*outer, *inner]
    out = _scalar_ports(evaluate(names, X), no * ni)
    ds = _dataset(study, out, names, units, X, ("outer", "inner"), (no, ni), kinds)
    ds = ds.assign_coords(outer=("outer", np.arange(no), {"units": "1"}),
                          inner=("inner", np.arange(ni), {"units": "1"}))
    stats_ = {}
    for port, y in out.items():
        y = y.reshape(no, ni)
        means = np.nanmean(y, axis=1)
        stats_[port] = {"mean_lo": float(np.nanmin(means)), "mean_hi": float(np.nanmax(means)),
                        "lo": float(np.nanmin(y)), "hi": float(np.nanmax(y)),
                        "q025": float(np.nanmin(np.nanquantile(y, 0.025, axis=1))),
                        "q975": float(np.nanmax(np.nanquantile(y, 0.975, axis=1))),
                        "mean": float(np.nanmean(means))}
    return PropagationResult("pbox", ds, stats_, no * ni, _n_failed(out))


def _interval(study, uncertain, names, n, seed, evaluate, units, kinds) -> PropagationResult:
    dists = [uncertain[k] for k in names]
    lo = np.array([d.ppf(0.0) if d.is_interval else d.box()[0] for d in dists])
    hi = np.array([d.ppf(1.0) if d.is_interval else d.box()[1] for d in dists])
    X = _outer_points(dists, n, seed)
    out = _scalar_ports(evaluate(names, X), len(X))
    ds = _dataset(study, out, names, units, X, ("sample",), (len(X),), kinds)
    ds = ds.assign_coords(sample=("sample", np.arange(len(X)), {"units": "1"}))
    scale = np.where(hi > lo, hi - lo, 1.0)
    n_eval = len(X)
    polish = batch_evaluator(study)  # single rows: in this process, not an ensemble
    stats_ = {}
    for port, y in out.items():
        bounds = []
        for sign in (1.0, -1.0):  # minimise y, then -y, from the best sample
            start = (X[np.nanargmin(sign * y)] - lo) / scale

            def f(z, sign=sign, port=port):
                row = (lo + np.clip(z, 0, 1) * scale)[None, :]
                return sign * float(polish(names, row)[port][0])

            res = optimize.minimize(f, start, method="L-BFGS-B", bounds=[(0, 1)] * len(names))
            n_eval += res.nfev
            best = min(float(res.fun), float(np.nanmin(sign * y)))
            bounds.append(sign * best)
        stats_[port] = {"lo": bounds[0], "hi": bounds[1], "mean": float(np.nanmean(y)),
                        "mean_lo": bounds[0], "mean_hi": bounds[1]}
    return PropagationResult("interval", ds, stats_, n_eval, _n_failed(out))


def summary_value(res: PropagationResult, port: str) -> tuple[float, float, float]:
    """``(value, lo, hi)`` for ``summary.json``: mean and 95% prediction interval,
    or the bounds for intervals and p-boxes."""
    s = res.stats[port]
    if res.mode == "distribution":
        return s["mean"], s["q025"], s["q975"]
    if res.mode == "interval":
        return 0.5 * (s["lo"] + s["hi"]), s["lo"], s["hi"]
    return s["mean"], s["q025"], s["q975"]

