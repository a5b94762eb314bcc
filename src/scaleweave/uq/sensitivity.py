"""Variance-based (Sobol') sensitivity indices, per parameter and per scale.

:func:`sobol_analysis` estimates first-order (``S1``) and total (``ST``) Sobol'
indices of every output of a vectorised evaluation function with SALib: a
Saltelli design on scrambled Sobol' points of the unit hypercube, mapped to the
parameters' distributions through their quantile functions, and the Saltelli et
al. (2010) estimators with bootstrap confidence intervals.

A multi-scale study usually wants to know *which scale* (submodel) drives the
output, not only which parameter. Given ``groups`` (parameter -> the submodel or
scale it feeds), a second, grouped design gives the *closed* indices of every
group: ``S1[G]`` is the share of the variance explained by the group's parameters
acting alone or together (including their mutual interactions), ``ST[G]`` also
counts their interactions with the other groups. Closed group indices are not sums
of the parameters' ``S1`` (interactions inside a group count), which is why they
are estimated by their own design rather than added up.

References
----------
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models
and their Monte Carlo estimates. Math. Comput. Simul. 55, 271-280.
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
Design and estimator for the total sensitivity index. Comput. Phys. Commun. 181,
259-270.

The result type (with its Dataset round trip and figure) and the two estimators
that produce it stay together: they share the design and the index layout.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from scaleweave.core.distributions import Uncertain
from scaleweave.errors import ConfigError, MissingExtraError, ModelError, NonFiniteError

__all__ = ["SobolIndices", "SobolResult", "sobol_analysis", "sobol_indices"]

#: Probabilities are kept this far inside (0, 1) so that unbounded distributions map
#: to finite values (a scrambled Sobol' point is exactly 0 with probability ~2**-30).
_U_EDGE = 2.0**-40

Evaluate = Callable[[np.ndarray], Mapping[str, np.ndarray]]


@dataclass(frozen=True)
class SobolIndices:
    """First-order and total indices of one output over a list of factors.

    Attributes
    ----------
    S1, ST : numpy.ndarray
        First-order and total Sobol' indices (dimensionless), one per factor.
    S1_conf, ST_conf : numpy.ndarray
        Half-widths of their bootstrap confidence intervals (dimensionless).
    """

    S1: np.ndarray
    S1_conf: np.ndarray
    ST: np.ndarray
    ST_conf: np.ndarray


@dataclass(frozen=True)
class SobolResult:
    """Sobol' indices of every output, per parameter and (optionally) per group.

    Attributes
    ----------
    parameters : tuple of str
        Parameter names, in the order of the evaluation columns.
    outputs : tuple of str
        Output names.
    by_parameter : dict
        Output name -> :class:`SobolIndices` over ``parameters``.
    groups : tuple of str
        Group names in order of first appearance (empty without groups).
    membership : dict
        Parameter name -> group name (empty without groups).
    by_group : dict
        Output name -> :class:`SobolIndices` (closed indices) over ``groups``.
    n_base : int
        Base sample size ``N`` of the design(s).
    n_evaluations : int
        Rows evaluated in total: ``N (D + 2)``, plus ``N (G + 2)`` with groups.
    conf_level : float
        Confidence level of the bootstrap intervals.
    n_bootstrap : int
        Bootstrap resamples.
    seed : int
        Seed of the designs and of the bootstrap.
    """

    parameters: tuple[str, ...]
    outputs: tuple[str, ...]
    by_parameter: dict[str, SobolIndices]
    groups: tuple[str, ...] = ()
    membership: dict[str, str] = field(default_factory=dict)
    by_group: dict[str, SobolIndices] = field(default_factory=dict)
    n_base: int = 0
    n_evaluations: int = 0
    conf_level: float = 0.95
    n_bootstrap: int = 0
    seed: int = 0

    def to_dataset(self) -> xr.Dataset:
        """The indices as an :class:`xarray.Dataset`.

        Variables ``S1``, ``S1_conf``, ``ST``, ``ST_conf`` on (output, parameter)
        and, with groups, ``S1_group``, ``S1_group_conf``, ``ST_group``,
        ``ST_group_conf`` on (output, group); every variable has ``units = "1"``.
        The coordinate ``parameter_group`` (on parameter) gives each parameter's
        group; the attributes hold the design size, the evaluation count, the
        confidence level and the seed.
        """
        data: dict[str, tuple] = {}
        conf = f"half-width of the {self.conf_level:.0%} bootstrap interval"
        for key, what in (("S1", "first-order Sobol' index"), ("S1_conf", f"S1 {conf}"),
                          ("ST", "total Sobol' index"), ("ST_conf", f"ST {conf}")):
            values = np.array([getattr(self.by_parameter[o], key) for o in self.outputs])
            data[key] = (("output", "parameter"), values,
                         {"units": "1", "long_name": what})
            if self.groups:
                gkey = key.replace("S1", "S1_group").replace("ST", "ST_group")
                gvalues = np.array([getattr(self.by_group[o], key) for o in self.outputs])
                data[gkey] = (("output", "group"), gvalues,
                              {"units": "1", "long_name": f"closed {what} of a group"})
        coords: dict[str, object] = {"output": list(self.outputs),
                                     "parameter": list(self.parameters)}
        if self.groups:
            coords["group"] = list(self.groups)
            coords["parameter_group"] = ("parameter",
                                         [self.membership[p] for p in self.parameters])
        attrs = {"method": "Sobol' indices, Saltelli design and estimators (SALib)",
                 "n_base": self.n_base, "n_evaluations": self.n_evaluations,
                 "conf_level": self.conf_level, "n_bootstrap": self.n_bootstrap,
                 "seed": self.seed}
        # Also on S1, so the design survives a merge into a case's dataset.
        data["S1"][2].update({k: attrs[k] for k in ("n_base", "conf_level", "seed")})
        ds = xr.Dataset(data, coords=coords, attrs=attrs)
        for name in ds.coords:
            ds[name].attrs["units"] = "1"  # labels: dimensionless, as every variable says
        return ds

    @classmethod
    def from_dataset(cls, ds: xr.Dataset) -> SobolResult:
        """The result :meth:`to_dataset` wrote (e.g. read back from ``result.nc``)."""
        outputs = tuple(str(o) for o in ds["output"].values)
        parameters = tuple(str(p) for p in ds["parameter"].values)
        grouped = "group" in ds.coords
        design = {**ds.attrs, **ds["S1"].attrs}

        def indices(prefix1: str, prefixT: str, row: int) -> SobolIndices:
            return SobolIndices(*(np.asarray(ds[k].values[row], dtype=float) for k in
                                  (prefix1, f"{prefix1}_conf", prefixT, f"{prefixT}_conf")))

        return cls(
            parameters=parameters, outputs=outputs,
            by_parameter={o: indices("S1", "ST", i) for i, o in enumerate(outputs)},
            groups=tuple(str(g) for g in ds["group"].values) if grouped else (),
            membership=(dict(zip(parameters, (str(g) for g in ds["parameter_group"].values),
                                 strict=True)) if grouped else {}),
            by_group=({o: indices("S1_group", "ST_group", i) for i, o in enumerate(outputs)}
                      if grouped else {}),
            n_base=int(design.get("n_base", 0)),
            n_evaluations=int(ds.attrs.get("n_evaluations", 0)),
            conf_level=float(design.get("conf_level", 0.95)),
            n_bootstrap=int(ds.attrs.get("n_bootstrap", 0)), seed=int(design.get("seed", 0)))

    def figure(self, output: str) -> Figure:
        """Bars of ``S1`` and ``ST`` with their confidence intervals for ``output``.

        One panel over the parameters and, with groups, a second over the groups
        (closed indices). The figure is not attached to pyplot (Agg canvas).
        """
        if output not in self.by_parameter:
            raise ConfigError(f"no output {output!r} in this Sobol' analysis; outputs are "
                              f"{list(self.outputs)}")
        panels = [("parameter", list(self.parameters), self.by_parameter[output])]
        if self.groups:
            panels.append(("group (scale), closed indices", list(self.groups),
                           self.by_group[output]))
        fig = Figure(figsize=(4.0 + 3.0 * len(panels), 3.6), layout="constrained")
        axes = fig.subplots(1, len(panels), squeeze=False)[0]
        for ax, (xlabel, names, idx) in zip(axes, panels, strict=True):
            x = np.arange(len(names))
            ax.bar(x - 0.2, idx.S1, 0.4, yerr=idx.S1_conf, capsize=3, color="#1f77b4",
                   label="first order $S_1$")
            ax.bar(x + 0.2, idx.ST, 0.4, yerr=idx.ST_conf, capsize=3, color="#ff7f0e",
                   label="total $S_T$")
            ax.set_xticks(x, names)
            ax.set_xlabel(xlabel)
            ax.set_ylabel("Sobol' index (1)")
            ax.axhline(0.0, color="k", lw=0.6)
            ax.set_ylim(min(-0.05, float(np.min(idx.S1 - idx.S1_conf)) - 0.02),
                        max(1.05, float(np.max(idx.ST + idx.ST_conf)) + 0.02))
            ax.legend(frameon=False, fontsize="small")
        fig.suptitle(f"Sobol' indices of {output} ({self.conf_level:.0%} bootstrap "
                     f"intervals, N = {self.n_base})")
        return fig


def _import_salib():
    try:
        from SALib.analyze import sobol as analyze_sobol
        from SALib.sample import sobol as sample_sobol
    except ImportError:  # pragma: no cover - depends on the install
        raise MissingExtraError("Sobol' analysis needs SALib: pip install 'scaleweave[uq]'"
                                ) from None
    return sample_sobol, analyze_sobol


def _check_inputs(params: Sequence[tuple[str, Uncertain]], groups: Mapping[str, str] | None,
                  n_base: int, n_bootstrap: int, conf_level: float) -> list[str]:
    names = [name for name, _ in params]
    if len(names) < 2:
        raise ConfigError(f"Sobol' analysis needs at least 2 parameters, got {len(names)} "
                          f"({names}); with one parameter it explains all the variance")
    dupes = sorted({n for n in names if names.count(n) > 1})
    if dupes:
        raise ConfigError(f"Sobol' analysis: parameter {dupes[0]!r} is given twice")
    for name, dist in params:
        if not isinstance(dist, Uncertain):
            raise ConfigError(f"Sobol' analysis: parameter {name!r} needs a distribution "
                              f"(an Uncertain), got {type(dist).__name__}")
    if isinstance(n_base, bool) or not isinstance(n_base, int | np.integer) or n_base < 2:
        raise ConfigError(f"Sobol' analysis: n_base must be a power of two >= 2, got {n_base!r}")
    if n_base & (n_base - 1):
        lo = 2 ** math.floor(math.log2(n_base))
        near = lo if n_base - lo <= 2 * lo - n_base else 2 * lo
        raise ConfigError(f"Sobol' analysis: n_base = {n_base} is not a power of two (Sobol' "
                          f"points lose their balance); use n_base = {near}")
    if n_bootstrap < 2:
        raise ConfigError(f"Sobol' analysis: n_bootstrap must be >= 2, got {n_bootstrap}")
    if not 0.0 < conf_level < 1.0:
        raise ConfigError(f"Sobol' analysis: conf_level must lie in (0, 1), got {conf_level}")
    if groups is not None:
        unknown = sorted(set(groups) - set(names))
        if unknown:
            raise ConfigError(f"Sobol' groups name unknown parameter {unknown[0]!r}; "
                              f"parameters are {names}")
        missing = [n for n in names if n not in groups]
        if missing:
            raise ConfigError(f"Sobol' groups give no group for parameter {missing[0]!r}; "
                              f"every parameter needs one (groups: {dict(groups)})")
        for name in names:
            if not isinstance(groups[name], str) or not groups[name]:
                raise ConfigError(f"Sobol' groups: the group of parameter {name!r} must be "
                                  f"a non-empty string, got {groups[name]!r}")
    return names


def _to_values(u: np.ndarray, params: Sequence[tuple[str, Uncertain]]) -> np.ndarray:
    """Map unit-hypercube rows to SI values column by column through the quantiles."""
    u = np.clip(u, _U_EDGE, 1.0 - _U_EDGE)
    return np.column_stack([dist.ppf(u[:, j]) for j, (_, dist) in enumerate(params)])


def _evaluate(evaluate: Evaluate, x: np.ndarray, names: list[str],
              expected: Sequence[str] | None) -> dict[str, np.ndarray]:
    try:
        raw = evaluate(x)
    except (ConfigError, ModelError):
        raise
    except Exception as exc:
        raise ModelError(f"Sobol' analysis: the evaluation failed on a design of {len(x)} "
                         f"rows: {type(exc).__name__}: {exc}") from exc
    if not isinstance(raw, Mapping) or not raw:
        raise ConfigError("Sobol' analysis: evaluate(X) must return a non-empty mapping of "
                          "output name -> array of one value per row")
    if expected is not None and sorted(raw) != sorted(expected):
        raise ConfigError(f"Sobol' analysis: evaluate(X) returned outputs {sorted(raw)} on "
                          f"the grouped design but {sorted(expected)} before")
    out: dict[str, np.ndarray] = {}
    for key, value in raw.items():
        y = np.asarray(value, dtype=float)
        if y.shape != (len(x),):
            raise ConfigError(f"Sobol' analysis: output {key!r} has shape {y.shape}; expected "
                              f"({len(x)},), one scalar per row (vector outputs: pass each "
                              f"component as its own output)")
        bad = np.flatnonzero(~np.isfinite(y))
        if bad.size:
            row = ", ".join(f"{n}={v:.6g}" for n, v in zip(names, x[bad[0]], strict=True))
            raise NonFiniteError(f"Sobol' analysis: output {key!r} is {y[bad[0]]} at {row} "
                                 f"({bad.size} non-finite rows)")
        out[str(key)] = y
    return out


def _analyze(analyze_sobol, problem: dict, ys: dict[str, np.ndarray], n_bootstrap: int,
             conf_level: float, seed: int) -> dict[str, SobolIndices]:
    result: dict[str, SobolIndices] = {}
    for key, y in ys.items():
        with warnings.catch_warnings():
            # A constant output: SALib warns and returns zeros, which is what we report.
            warnings.filterwarnings("ignore", message="Constant values encountered")
            si = analyze_sobol.analyze(problem, y, calc_second_order=False,
                                       num_resamples=n_bootstrap, conf_level=conf_level,
                                       seed=seed)
        result[key] = SobolIndices(*(np.asarray(si[k], dtype=float).copy()
                                     for k in ("S1", "S1_conf", "ST", "ST_conf")))
    return result


def _nonzero_seed(seq: np.random.SeedSequence) -> int:
    # SALib seeds its bootstrap only for a truthy seed (0 would use the global state).
    return int(seq.generate_state(1, dtype=np.uint32)[0]) | 1


def sobol_analysis(evaluate: Evaluate, params: Sequence[tuple[str, Uncertain]], *,
                   groups: Mapping[str, str] | None = None, n_base: int = 1024,
                   seed: int = 0, n_bootstrap: int = 1000,
                   conf_level: float = 0.95) -> SobolResult:
    """First-order and total Sobol' indices per parameter and, optionally, per group.

    Parameters
    ----------
    evaluate : callable
        ``evaluate(X) -> {output: y}``: ``X`` has shape (n_rows, n_params), SI
        values, columns in the order of ``params``; every ``y`` has shape
        (n_rows,). Called once per design (once, or twice with ``groups``).
    params : sequence of (str, Uncertain)
        The uncertain parameters (at least two), in column order.
    groups : mapping, optional
        Parameter name -> group name, e.g. the submodel (scale) the parameter
        feeds; every parameter needs exactly one group. Adds closed indices per
        group from a second, grouped design.
    n_base : int
        Base sample size ``N`` of the Saltelli design; a power of two. The
        ungrouped design costs ``N (D + 2)`` evaluations for ``D`` parameters; the
        grouped design adds ``N (G + 2)`` for ``G`` groups.
    seed : int
        Seeds the scrambling of the Sobol' points and the bootstrap (independent
        child streams for each design and its bootstrap).
    n_bootstrap : int
        Bootstrap resamples for the confidence intervals. Memory: each index
        estimate holds a few (N, n_bootstrap) float arrays at once.
    conf_level : float
        Confidence level of the intervals (normal approximation of the bootstrap
        spread, as in SALib).

    Returns
    -------
    SobolResult
        Indices with confidence half-widths, per output, per parameter and group.

    Raises
    ------
    ConfigError
        Fewer than two parameters, a repeated name, ``n_base`` not a power of two
        (the nearest one is suggested), groups naming unknown parameters or
        missing one, outputs of the wrong shape.
    NonFiniteError
        An output is NaN or infinite (the row's parameter values are named).
    ModelError
        ``evaluate`` raised.

    Notes
    -----
    Sobol' indices decompose a *variance*, so every parameter needs a probability
    measure. A bare interval (``is_interval``, epistemic bounds without
    probability) is sampled **uniformly** here; its indices are therefore those of
    a uniform distribution on the interval, a modelling choice rather than a fact.
    Unbounded distributions are sampled at probabilities inside
    ``[2**-40, 1 - 2**-40]``.

    A constant output gets all indices 0. ``S1`` estimates may come out slightly
    negative for non-influential parameters (sampling error).

    Examples
    --------
    >>> from scaleweave.core.distributions import Uniform
    >>> params = [("x1", Uniform(0, 1)), ("x2", Uniform(0, 1))]
    >>> res = sobol_analysis(lambda X: {"y": X[:, 0] + 2 * X[:, 1]}, params,
    ...                      n_base=256, n_bootstrap=50)
    >>> [round(float(s), 1) for s in res.by_parameter["y"].S1]   # exact: 0.2, 0.8
    [0.2, 0.8]
    >>> res.n_evaluations
    1024
    """
    names = _check_inputs(params, groups, n_base, n_bootstrap, conf_level)
    sample_sobol, analyze_sobol = _import_salib()
    d = len(names)
    s_design, s_boot, s_gdesign, s_gboot = np.random.SeedSequence(seed).spawn(4)
    problem = {"num_vars": d, "names": names, "bounds": [[0.0, 1.0]] * d}
    u = sample_sobol.sample(problem, n_base, calc_second_order=False, scramble=True,
                            seed=np.random.default_rng(s_design))
    ys = _evaluate(evaluate, _to_values(u, params), names, None)
    by_parameter = _analyze(analyze_sobol, problem, ys, n_bootstrap, conf_level,
                            _nonzero_seed(s_boot))
    n_evaluations = len(u)

    group_names: tuple[str, ...] = ()
    by_group: dict[str, SobolIndices] = {}
    membership: dict[str, str] = {}
    if groups is not None:
        membership = {n: str(groups[n]) for n in names}
        group_names = tuple(dict.fromkeys(membership[n] for n in names))
        if len(group_names) == 1:
            # One group holds all the variance: S1 = ST = 1 exactly, nothing to sample.
            one, zero = np.ones(1), np.zeros(1)
            by_group = {k: SobolIndices(one, zero, one, zero) for k in ys}
        else:
            gproblem = {**problem, "groups": [membership[n] for n in names]}
            gu = sample_sobol.sample(gproblem, n_base, calc_second_order=False,
                                     scramble=True, seed=np.random.default_rng(s_gdesign))
            gys = _evaluate(evaluate, _to_values(gu, params), names, list(ys))
            by_group = _analyze(analyze_sobol, gproblem, gys, n_bootstrap, conf_level,
                                _nonzero_seed(s_gboot))
            n_evaluations += len(gu)
    return SobolResult(parameters=tuple(names), outputs=tuple(ys), by_parameter=by_parameter,
                       groups=group_names, membership=membership, by_group=by_group,
                       n_base=n_base, n_evaluations=n_evaluations, conf_level=conf_level,
                       n_bootstrap=n_bootstrap, seed=seed)


def sobol_indices(study: Any, uncertain: Mapping[str, Uncertain], *,
                  outputs: Mapping[str, str], groups: Mapping[str, str] | None = None,
                  n_base: int = 1024, seed: int = 0, evaluator: Any = None,
                  n_bootstrap: int = 1000, conf_level: float = 0.95) -> SobolResult:
    """Sobol' indices of a study's outputs over its uncertain parameters.

    The same calling convention as :func:`~scaleweave.uq.propagate.propagate`.

    Parameters
    ----------
    study : Study
        The graph; every uncertain name must be a parameter bound in it.
    uncertain : mapping of str -> Uncertain
        Parameter name -> distribution (at least two; not intervals).
    outputs : mapping of str -> str
        Index name -> ``"model.port"`` (a scalar output port).
    groups : mapping, optional
        Parameter name -> scale, for closed indices per scale.
    n_base, seed, n_bootstrap, conf_level
        As in :func:`sobol_analysis`.
    evaluator : callable, optional
        How rows are evaluated, ``(names, X) -> {"model.port": array}`` (default: one
        vectorised pass in this process; a case passes its resumable one).
    """
    from scaleweave.uq.propagate import batch_evaluator, in_port_units

    uncertain = in_port_units(study, uncertain)
    names = list(uncertain)
    evaluate = evaluator or batch_evaluator(study)

    def rows(X: np.ndarray) -> dict[str, np.ndarray]:
        out = evaluate(names, X)
        return {k: out[port] for k, port in outputs.items()}

    return sobol_analysis(rows, [(n, uncertain[n]) for n in names], groups=groups,
                          n_base=n_base, seed=seed, n_bootstrap=n_bootstrap,
                          conf_level=conf_level)
