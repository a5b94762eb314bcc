"""Hierarchical (multilevel) Bayesian calibration: the top-down bridge by partial pooling.

Micro-level parameters (one per group: a school's effect, a tissue's transcription
rate, a county's radon level) are inferred from macro-level data with a hierarchical
model in which groups are nested in levels (cells in tissues in an organism; plots in
sites in landscapes). Every group's effect on the link scale is drawn around its
parent's::

    theta_top[j]   ~ Normal(mu, tau_top)
    theta_level[j] ~ Normal(theta_parent[parent(j)], tau_level)
    eta[i]         = theta_inner[group(i)] + x[i] . beta
    y[i]           ~ Normal(eta, sigma_i) | Poisson(exposure e^eta) | NegBinomial2(...)

so groups with little data "borrow strength" from the others (partial pooling;
Gelman & Hill 2007, ch. 12). Complete pooling (one ``mu`` for all) and no pooling
(independent groups) are the same model with ``tau = 0`` and ``tau = infinity``.

**Centred or non-centred.** A level is sampled *centred* (``theta ~ N(loc, tau)``)
when its groups' data dominate the population scale and *non-centred*
(``theta = loc + tau z``, ``z ~ N(0, 1)``) when they do not, which removes the
funnel that makes NUTS diverge (Papaspiliopoulos, Roberts & Skold 2007, Statist.
Sci. 22:59; Betancourt & Girolami 2015). The choice is made from the data: each
group's raw estimate on the link scale has sampling variance ``v_j`` (normal:
``1/sum sigma_i^-2``; counts: ``1/(sum y + 1/2)``); a moment estimate of the level's
variance ``tau^2`` gives each group's *information fraction*
``kappa_j = tau^2 / (tau^2 + v_j)`` (one minus its shrinkage factor), evaluated at a
plausibly low ``tau`` (the lower 1% chi-square bound of the moment estimate, since with
few groups the sampler visits small ``tau``, where the centred form has its funnel).
A level whose median ``kappa`` exceeds 1/2 is centred, otherwise non-centred; the
choice and the fractions are reported. (Covariates are left out of this estimate.)

**Sampling**: NUTS (Hoffman & Gelman 2014) from NumPyro, several chains from
dispersed initial points, each with its own warm-up (step size and diagonal mass
matrix). **Convergence** is checked on every fit (R-hat, bulk and tail ESS, divergences; see
:mod:`scaleweave.bridges.inference.mcmc_diagnostics`) and returned as validity diagnostics;
a fit that fails them warns (:class:`~scaleweave.errors.ValidityWarning`) and says
so in its ``converged`` flag, its results are kept.

Needs the ``bayes`` extra (NumPyro, JAX, ArviZ).
"""

from __future__ import annotations

import functools
import math
import re
import time
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np

from scaleweave._optional import import_jax, require_optional
from scaleweave.bridges.inference.mcmc_diagnostics import convergence, convergence_validity
from scaleweave.core.checks import Validity
from scaleweave.errors import ConfigError, ValidityWarning

__all__ = [
    "Design",
    "HierarchicalFit",
    "Prior",
    "choose_parameterisation",
    "fit_hierarchical",
    "push_forward",
]

Likelihood = Literal["normal", "poisson", "negbinomial"]
Pooling = Literal["partial", "complete", "none"]

# -- priors ---------------------------------------------------------------------------

_FAMILIES: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (parameter names, support)
    "normal": (("loc", "scale"), "real"),
    "studentt": (("df", "loc", "scale"), "real"),
    "halfnormal": (("scale",), "positive"),
    "halfcauchy": (("scale",), "positive"),
    "exponential": (("rate",), "positive"),
    "gamma": (("shape", "rate"), "positive"),
}
_POSITIVE_PARAMS = {"scale", "df", "rate", "shape"}


@dataclass(frozen=True)
class Prior:
    """A prior distribution of a scalar hyperparameter.

    Parameters
    ----------
    family : str
        One of ``normal(loc, scale)``, ``studentt(df, loc, scale)`` (real line) or
        ``halfnormal(scale)``, ``halfcauchy(scale)``, ``exponential(rate)``,
        ``gamma(shape, rate)`` (positive half-line).
    params : tuple of float
        In the order above, in the unit of the parameter (rate: its inverse).

    Raises
    ------
    ConfigError
        Unknown family, wrong number of parameters, or impossible values (a
        non-positive scale, rate, shape or degrees of freedom; a non-finite value).

    Examples
    --------
    >>> Prior.parse("halfcauchy(5)")
    Prior(family='halfcauchy', params=(5.0,))
    """

    family: str
    params: tuple[float, ...]

    def __post_init__(self) -> None:
        fam = self.family.lower().replace("_", "").replace("-", "")
        if fam not in _FAMILIES:
            known = ", ".join(f"{k}({', '.join(v[0])})" for k, v in _FAMILIES.items())
            raise ConfigError(f"prior family {self.family!r} is not known; use one of {known}")
        object.__setattr__(self, "family", fam)
        names = _FAMILIES[fam][0]
        params = tuple(float(p) for p in self.params)
        object.__setattr__(self, "params", params)
        if len(params) != len(names):
            raise ConfigError(f"prior {fam}: needs {len(names)} parameter(s) "
                              f"({', '.join(names)}), got {len(params)}")
        for n, v in zip(names, params, strict=True):
            if not math.isfinite(v):
                raise ConfigError(f"prior {self}: {n} = {v} must be finite")
            if n in _POSITIVE_PARAMS and v <= 0:
                raise ConfigError(f"prior {self}: {n} = {v:g} is impossible; it must be > 0")

    def __str__(self) -> str:
        return f"{self.family}({', '.join(f'{p:g}' for p in self.params)})"

    @classmethod
    def parse(cls, spec: str | Prior) -> Prior:
        """A prior from text such as ``"normal(0, 5)"`` (or a Prior, returned as is)."""
        if isinstance(spec, Prior):
            return spec
        m = re.fullmatch(r"\s*([A-Za-z_\-]+)\s*\(([^()]*)\)\s*", str(spec))
        if m is None:
            raise ConfigError(f"prior {spec!r} is not of the form family(a, b), e.g. "
                              "'normal(0, 5)' or 'halfcauchy(5)'")
        try:
            values = tuple(float(x) for x in m.group(2).split(",") if x.strip())
        except ValueError:
            raise ConfigError(f"prior {spec!r}: parameters must be numbers") from None
        return cls(m.group(1), values)

    @property
    def support(self) -> str:
        """``"real"`` or ``"positive"``."""
        return _FAMILIES[self.family][1]

    def scale(self) -> float:
        """A typical magnitude of the prior (its scale; 1/rate; shape/rate)."""
        p = dict(zip(_FAMILIES[self.family][0], self.params, strict=True))
        if "scale" in p:
            return p["scale"]
        if self.family == "exponential":
            return 1.0 / p["rate"]
        return p["shape"] / p["rate"]

    def to_numpyro(self) -> Any:
        """The NumPyro distribution."""
        import numpyro.distributions as dist

        a = self.params
        return {
            "normal": lambda: dist.Normal(a[0], a[1]),
            "studentt": lambda: dist.StudentT(a[0], a[1], a[2]),
            "halfnormal": lambda: dist.HalfNormal(a[0]),
            "halfcauchy": lambda: dist.HalfCauchy(a[0]),
            "exponential": lambda: dist.Exponential(a[0]),
            "gamma": lambda: dist.Gamma(a[0], a[1]),
        }[self.family]()

    def require(self, support: str, name: str) -> Prior:
        """Check that the prior lives where the parameter ``name`` does."""
        if self.support != support:
            where = "the positive half-line" if support == "positive" else "the real line"
            hint = "halfcauchy(5)" if support == "positive" else "normal(0, 5)"
            raise ConfigError(f"prior of {name!r} is {self}, but {name} lives on {where}; "
                              f"use e.g. {hint}")
        return self


# -- design: groups nested in levels --------------------------------------------------

@dataclass(frozen=True)
class Design:
    """Groups nested in levels, outermost first.

    Parameters
    ----------
    levels : tuple of str
        Level names, outermost first (``("tissue", "cell_type")``).
    groups : mapping of str -> tuple of str
        Group labels of each level.
    parents : mapping of str -> mapping of str -> str
        For every level but the first: group label -> label of its parent group in
        the level above.

    Raises
    ------
    ConfigError
        A parent label that is not a group of the level above, a group without a
        parent, repeated labels, or an empty level.
    """

    levels: tuple[str, ...]
    groups: Mapping[str, tuple[str, ...]]
    parents: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        if not self.levels:
            raise ConfigError("a hierarchical design needs at least one level")
        for k, level in enumerate(self.levels):
            if not level.isidentifier():
                raise ConfigError(f"level name {level!r} must be an identifier")
            labels = tuple(str(g) for g in self.groups.get(level, ()))
            if not labels:
                raise ConfigError(f"level {level!r} of the design has no groups")
            if len(set(labels)) != len(labels):
                dup = sorted({g for g in labels if labels.count(g) > 1})
                raise ConfigError(f"level {level!r}: repeated group labels {dup}")
            if k == 0:
                continue
            above = set(self.groups[self.levels[k - 1]])
            par = self.parents.get(level, {})
            missing = [g for g in labels if g not in par]
            if missing:
                raise ConfigError(f"level {level!r}: groups {missing[:5]} have no parent in "
                                  f"level {self.levels[k - 1]!r}")
            wrong = {g: par[g] for g in labels if par[g] not in above}
            if wrong:
                raise ConfigError(f"level {level!r}: parents {wrong} are not groups of level "
                                  f"{self.levels[k - 1]!r} ({sorted(above)[:8]}...)")

    @classmethod
    def single(cls, level: str, labels: Sequence[Any]) -> Design:
        """One level of groups (eight schools, tissues of one organism)."""
        return cls((level,), {level: tuple(str(g) for g in labels)})

    @classmethod
    def nested(cls, levels: Sequence[str], table: Sequence[Sequence[Any]]) -> Design:
        """A design from rows ``(outer label, ..., inner label)``, one per inner group.

        Inner labels need only be unique within their parent: they are prefixed with
        the parent's path (``"liver/hepatocyte"``).
        """
        levels = tuple(levels)
        groups: dict[str, list[str]] = {lv: [] for lv in levels}
        parents: dict[str, dict[str, str]] = {lv: {} for lv in levels[1:]}
        for row in table:
            if len(row) != len(levels):
                raise ConfigError(f"design row {tuple(row)} must give one label per level "
                                  f"{levels}")
            path = [str(row[0])]
            for k in range(1, len(levels)):
                path.append(f"{path[-1]}/{row[k]}")
            for k, lv in enumerate(levels):
                if path[k] not in groups[lv]:
                    groups[lv].append(path[k])
                if k:
                    parents[lv][path[k]] = path[k - 1]
        return cls(levels, {k: tuple(v) for k, v in groups.items()}, parents)

    @property
    def inner(self) -> str:
        """The innermost level (the one data rows belong to)."""
        return self.levels[-1]

    def parent_index(self, level: str) -> np.ndarray:
        """For each group of ``level``, the index of its parent in the level above."""
        k = self.levels.index(level)
        above = {g: i for i, g in enumerate(self.groups[self.levels[k - 1]])}
        return np.array([above[self.parents[level][g]] for g in self.groups[level]], dtype=int)


# -- parameterisation ----------------------------------------------------------------

def _raw_estimates(likelihood: str, y: np.ndarray, idx: np.ndarray, n_groups: int,
                   sigma: np.ndarray | None, exposure: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
    """Per-group raw estimate on the link scale and its sampling variance."""
    if likelihood == "normal":
        if sigma is not None:
            w = np.bincount(idx, 1.0 / sigma**2, n_groups)
            est = np.bincount(idx, y / sigma**2, n_groups) / np.where(w > 0, w, 1.0)
            return est, np.where(w > 0, 1.0 / np.where(w > 0, w, 1.0), np.inf)
        n = np.bincount(idx, minlength=n_groups).astype(float)
        mean = np.bincount(idx, y, n_groups) / np.maximum(n, 1.0)
        resid = y - mean[idx]
        dof = len(y) - np.count_nonzero(n)
        s2 = float(resid @ resid / dof) if dof > 0 else float(np.var(y)) or 1.0
        return mean, np.where(n > 0, s2 / np.maximum(n, 1.0), np.inf)
    tot = np.bincount(idx, y, n_groups) + 0.5
    expo = np.bincount(idx, exposure, n_groups)
    return np.log(tot / np.where(expo > 0, expo, 1.0)), np.where(expo > 0, 1.0 / tot, np.inf)


def choose_parameterisation(design: Design, likelihood: str, y: np.ndarray,
                            idx: np.ndarray, sigma: np.ndarray | None = None,
                            exposure: np.ndarray | None = None) -> dict[str, dict[str, Any]]:
    """Centred or non-centred per level, from the information each group's data carry.

    Parameters
    ----------
    design : Design
    likelihood : {"normal", "poisson", "negbinomial"}
    y : ndarray
        Observations (link-scale estimates are formed per group).
    idx : ndarray of int
        Innermost group index of each row.
    sigma, exposure : ndarray, optional
        Known standard deviations (normal) or exposures (counts).

    Returns
    -------
    dict of level -> dict
        ``choice`` ("centred"/"non-centred"), ``tau_hat`` (moment estimate of the
        level's standard deviation, link scale), ``tau_low`` (its lower 1% bound,
        ``tau_hat^2 chi2_0.01(dof)/dof``), ``groups_dof``, ``kappa_median`` (median
        information fraction ``tau_low^2/(tau_low^2 + v_j)``), ``kappa`` (per group).
    """
    from scipy import stats

    exposure = np.ones_like(y, dtype=float) if exposure is None else exposure
    levels = list(design.levels)
    est, var = _raw_estimates(likelihood, y, idx, len(design.groups[design.inner]), sigma,
                              exposure)
    out: dict[str, dict[str, Any]] = {}
    for k in range(len(levels) - 1, -1, -1):
        level = levels[k]
        parent = design.parent_index(level) if k else np.zeros(len(est), dtype=int)
        n_par = int(parent.max()) + 1
        ok = np.isfinite(var)
        # Moment estimate of tau^2: spread of raw estimates around their parent's mean
        # beyond what sampling noise explains (floored at zero).
        spread, noise, dof = 0.0, 0.0, 0
        for p in range(n_par):
            sel = ok & (parent == p)
            if sel.sum() >= 2:
                spread += float(np.var(est[sel], ddof=1)) * (sel.sum() - 1)
                noise += float(np.mean(var[sel])) * (sel.sum() - 1)
                dof += int(sel.sum()) - 1
        tau2 = max(0.0, (spread - noise) / dof) if dof else 0.0
        # With few groups tau is poorly known and the sampler visits small values of it,
        # where the centred form has its funnel: judge at a plausible low tau, the lower
        # 1% bound of the moment estimate (chi-square with the level's degrees of freedom).
        tau2_low = tau2 * float(stats.chi2.ppf(0.01, dof)) / dof if dof else 0.0
        kappa = np.where(ok, tau2_low / (tau2_low + np.where(ok, var, 1.0)), 0.0)
        med = float(np.median(kappa))
        out[level] = {"choice": "centred" if med > 0.5 else "non-centred",
                      "tau_hat": math.sqrt(tau2), "tau_low": math.sqrt(tau2_low),
                      "groups_dof": dof, "kappa_median": med, "kappa": kappa}
        # The parents' raw estimates: precision-weighted means of their children.
        w = np.where(ok, 1.0 / (np.where(ok, var, 1.0) + tau2), 0.0)
        wsum = np.bincount(parent, w, n_par)
        est = np.bincount(parent, w * np.where(ok, est, 0.0), n_par) / np.where(wsum > 0, wsum,
                                                                              1.0)
        var = np.where(wsum > 0, 1.0 / np.where(wsum > 0, wsum, 1.0), np.inf)
    return {lv: out[lv] for lv in levels}


# -- the fit ---------------------------------------------------------------------------

@dataclass
class HierarchicalFit:
    """Posterior of a hierarchical calibration, with its convergence diagnostics.

    Attributes
    ----------
    design : Design
    pooling : {"partial", "complete", "none"}
    likelihood : str
    samples : dict of str -> ndarray, shape (chains, draws, ...)
        ``mu``, ``tau_<level>``, ``theta_<level>`` (link scale, one per group),
        ``sigma``, ``phi``, ``beta`` where present.
    parameterisation : dict of level -> dict
        The choice per level and why (see :func:`choose_parameterisation`), with
        ``forced`` True when the caller chose.
    diagnostics : dict
        From :func:`scaleweave.bridges.inference.mcmc_diagnostics.convergence`.
    timings : dict of str -> float
        Wall time (s) of ``sampling`` (compile + warm-up + draws) and ``diagnostics``.
    label : str
        Name of the bridge in validity diagnostics.
    idata : arviz.InferenceData
        Posterior, sample statistics and observed data, with group labels as coords.
    """

    design: Design
    pooling: str
    likelihood: str
    samples: dict[str, np.ndarray]
    parameterisation: dict[str, dict[str, Any]]
    diagnostics: dict[str, Any]
    timings: dict[str, float]
    label: str
    idata: Any = field(default=None, repr=False)
    _sigma_obs: Any = field(default=None, repr=False)

    @property
    def converged(self) -> bool:
        """Whether every convergence diagnostic is within its limit."""
        return all(v.ok for v in self.validity())

    def validity(self) -> list[Validity]:
        """R-hat, bulk and tail ESS, divergences against their limits.

        The bridge is named with its parameterisation, e.g. ``"eight schools
        [school: non-centred]"``, so the report says which form was sampled.
        """
        form = ", ".join(f"{lv}: {p['choice']}" for lv, p in self.parameterisation.items())
        label = f"{self.label} [{form}]" if self.pooling == "partial" else self.label
        return convergence_validity(self.diagnostics, label)

    def draws(self, name: str) -> np.ndarray:
        """Draws of ``name`` with chains flattened: shape (chains * draws, ...)."""
        a = self.samples[name]
        return a.reshape(-1, *a.shape[2:])

    def group_draws(self, level: str | None = None) -> np.ndarray:
        """Link-scale effect of every group of ``level`` (default innermost): (S, groups).

        Complete pooling gives every group the common ``mu``.
        """
        level = level or self.design.inner
        n = len(self.design.groups[level])
        if self.pooling == "complete":
            return np.repeat(self.draws("mu")[:, None], n, axis=1)
        key = f"theta_{level}"
        if key not in self.samples:
            raise ConfigError(f"fit {self.label!r} ({self.pooling} pooling) has no groups at "
                              f"level {level!r}")
        return self.draws(key)

    def group_summary(self, level: str | None = None, level_ci: float = 0.95
                      ) -> dict[str, np.ndarray]:
        """Posterior mean, sd and central interval of each group's effect (link scale)."""
        d = self.group_draws(level)
        a = (1.0 - level_ci) / 2.0
        return {"mean": d.mean(axis=0), "sd": d.std(axis=0, ddof=1),
                "lo": np.quantile(d, a, axis=0), "hi": np.quantile(d, 1.0 - a, axis=0)}

    def mean(self, name: str) -> float:
        """Posterior mean of a scalar parameter."""
        return float(self.draws(name).mean())

    def mcse(self, name: str) -> float:
        """Monte Carlo standard error of the posterior mean of a scalar (ArviZ)."""
        import arviz as az

        post = az.from_dict(posterior={name: np.asarray(self.samples[name])})
        return float(az.mcse(post)[name].values)

    def log_predictive_density(self, y_new: Any, groups_new: Sequence[Any], *,
                               sigma_new: Any = None, exposure_new: Any = None,
                               covariates_new: Any = None) -> float:
        """Log pointwise predictive density of held-out rows, summed (nats).

        ``sum_i log( (1/S) sum_s p(y_i | theta_s) )`` (Gelman, Hwang & Vehtari 2014,
        Statist. Comput. 24:997) over the posterior draws.
        """
        return float(self.pointwise_lpd(y_new, groups_new, sigma_new=sigma_new,
                                        exposure_new=exposure_new,
                                        covariates_new=covariates_new).sum())

    def pointwise_lpd(self, y_new: Any, groups_new: Sequence[Any], *, sigma_new: Any = None,
                      exposure_new: Any = None, covariates_new: Any = None) -> np.ndarray:
        """Log predictive density of each held-out row (nats)."""
        from scipy import special, stats

        y_new = np.asarray(y_new, dtype=float)
        labels = {g: i for i, g in enumerate(self.design.groups[self.design.inner])}
        bad = [str(g) for g in groups_new if str(g) not in labels]
        if bad:
            raise ConfigError(f"held-out rows name groups {sorted(set(bad))[:5]} that are not "
                              f"in the design's level {self.design.inner!r}")
        idx = np.array([labels[str(g)] for g in groups_new], dtype=int)
        eta = self.group_draws()[:, idx]
        if covariates_new is not None and "beta" in self.samples:
            eta = eta + self.draws("beta") @ np.asarray(covariates_new, dtype=float).T
        if self.likelihood == "normal":
            if sigma_new is not None:
                sd = np.broadcast_to(np.asarray(sigma_new, dtype=float), y_new.shape)[None]
            else:
                sd = self.draws("sigma")[:, None]
            lp = stats.norm.logpdf(y_new[None], eta, sd)
        else:
            expo = (np.ones_like(y_new) if exposure_new is None
                    else np.asarray(exposure_new, dtype=float))
            rate = expo[None] * np.exp(eta)
            if self.likelihood == "poisson":
                lp = stats.poisson.logpmf(y_new[None], rate)
            else:
                phi = self.draws("phi")[:, None]
                lp = stats.nbinom.logpmf(y_new[None], phi, phi / (phi + rate))
        return special.logsumexp(lp, axis=0) - math.log(lp.shape[0])

    def to_netcdf(self, path: Any) -> Any:
        """Save the InferenceData (netCDF groups posterior, sample_stats, ...)."""
        return self.idata.to_netcdf(str(path))

    def posterior_dataset(self, prefix: str, units: Mapping[str, str] | None = None) -> Any:
        """The posterior draws and divergences as an ``xarray.Dataset`` for a case result.

        Dimensions are ``{prefix}_chain``, ``{prefix}_draw`` and ``{prefix}_{level}``
        (group labels as coordinates); every variable carries a ``units`` attribute
        (``units`` maps names to units; default ``"1"``) and the dataset attrs the
        parameterisation and diagnostics.
        """
        import xarray as xr

        units = dict(units or {})
        ds = xr.Dataset()
        ch, dr = f"{prefix}_chain", f"{prefix}_draw"
        for name, arr in self.samples.items():
            if name.startswith("raw_"):
                continue
            dims = [ch, dr]
            if arr.ndim == 3:
                level = name.split("_", 1)[1] if "_" in name else "coef"
                dims.append(f"{prefix}_{level}" if name != "beta" else f"{prefix}_covariate")
            ds[f"{prefix}_{name}"] = (dims, np.asarray(arr, dtype=float),
                                      {"units": units.get(name, "1")})
        div = self.idata.sample_stats["diverging"].values if self.idata is not None else None
        if div is not None:
            ds[f"{prefix}_diverging"] = ((ch, dr), div.astype(np.int8), {"units": "1"})
        for level in self.design.levels:
            dim = f"{prefix}_{level}"
            if dim in ds.dims:
                ds = ds.assign_coords({dim: (dim, list(self.design.groups[level]),
                                             {"units": "1"})})
        for d in (ch, dr):
            if d in ds.dims:
                ds = ds.assign_coords({d: (d, np.arange(ds.sizes[d]), {"units": "1"})})
        ds.attrs[f"{prefix}_parameterisation"] = ", ".join(
            f"{lv}: {p['choice']}" for lv, p in self.parameterisation.items())
        ds.attrs[f"{prefix}_converged"] = int(self.converged)
        ds.attrs[f"{prefix}_pooling"] = self.pooling
        return ds


def _require_bayes() -> None:
    require_optional(("numpyro", "jax", "arviz"), "hierarchical calibration", "bayes")
    import_jax("hierarchical calibration")  # double precision, whatever was imported before


def _rows(mask: np.ndarray) -> str:
    rows = np.flatnonzero(mask)
    more = f" and {rows.size - 10} more" if rows.size > 10 else ""
    return f"{rows[:10].tolist()}{more}"


def _check_finite(name: str, arr: np.ndarray) -> None:
    bad = ~np.isfinite(arr)
    if bad.ndim > 1:
        bad = bad.any(axis=tuple(range(1, bad.ndim)))
    if bad.any():
        raise ConfigError(f"{name} has NaN or infinite values in rows {_rows(bad)}; remove "
                          f"those rows or fill them before calibrating")


@functools.lru_cache(maxsize=32)
def _build_model(levels: tuple[str, ...], n_groups: tuple[int, ...], pooling: str,
                 likelihood: str, priors: tuple[tuple[str, Prior], ...], has_sigma: bool,
                 n_cov: int) -> Any:
    """The NumPyro model for a fixed structure; data (and the centring) come as arguments.

    Each level is sampled in the partially centred form of Papaspiliopoulos, Roberts
    & Skold (2003): ``raw ~ N(w loc, tau^w)``, ``theta = loc + tau^(1-w) (raw - w loc)``,
    exact for every ``w`` in [0, 1]; ``w = 1`` is centred, ``w = 0`` non-centred. With
    ``w`` an argument, both share one compiled sampler.
    """
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    pri = dict(priors)

    def model(y, idx, parent_idx, w, sigma, log_exposure, x):  # pragma: no cover - traced
        mu = numpyro.sample("mu", pri["mu"].to_numpyro())
        if pooling == "complete":
            eta = jnp.broadcast_to(mu, idx.shape)
        elif pooling == "none":
            with numpyro.plate(levels[-1], n_groups[-1]):
                theta = numpyro.sample(f"theta_{levels[-1]}", pri["mu"].to_numpyro())
            eta = theta[idx]
        else:
            loc = mu
            for k, level in enumerate(levels):
                tau = numpyro.sample(f"tau_{level}", pri[f"tau_{level}"].to_numpyro())
                centre = mu if k == 0 else loc[parent_idx[k]]
                wk = w[k]
                with numpyro.plate(level, n_groups[k]):
                    raw = numpyro.sample(f"raw_{level}",
                                         dist.Normal(wk * centre, jnp.power(tau, wk)))
                theta = numpyro.deterministic(
                    f"theta_{level}", centre + jnp.power(tau, 1.0 - wk) * (raw - wk * centre))
                loc = theta
            eta = loc[idx]
        if n_cov:
            with numpyro.plate("covariate", n_cov):
                beta = numpyro.sample("beta", pri["beta"].to_numpyro())
            eta = eta + x @ beta
        # Scalars shared by all rows are sampled outside the data plate.
        if likelihood == "normal":
            sd = sigma if has_sigma else numpyro.sample("sigma", pri["sigma"].to_numpyro())
        elif likelihood == "negbinomial":
            phi = numpyro.sample("phi", pri["phi"].to_numpyro())
        with numpyro.plate("data", idx.shape[0]):
            if likelihood == "normal":
                numpyro.sample("y", dist.Normal(eta, sd), obs=y)
            elif likelihood == "poisson":
                numpyro.sample("y", dist.Poisson(jnp.exp(eta + log_exposure)), obs=y)
            else:
                numpyro.sample("y", dist.NegativeBinomial2(jnp.exp(eta + log_exposure), phi),
                               obs=y)

    return model


@functools.lru_cache(maxsize=32)
def _sampler(model: Any, warmup: int, draws: int, target_accept: float,
             max_tree_depth: int) -> tuple[Any, Any]:
    """A NUTS kernel and one chain's jitted warm-up + sampling, compiled once per structure.

    NumPyro's ``MCMC.run`` builds fresh closures, so JAX compiles again on every call
    (and for every chain with ``chain_method="sequential"``). Here one chain's loop is
    jitted once and reused for every chain and every fit with the same model and
    data shapes; only the (cheap) initialisation runs per chain.
    """
    import jax
    from jax import lax
    from numpyro.infer import NUTS

    kernel = NUTS(model, target_accept_prob=target_accept, max_tree_depth=max_tree_depth)

    @jax.jit
    def chain(state: Any, args: tuple) -> tuple[Any, Any, Any]:  # pragma: no cover - traced
        def warm(s, _):
            return kernel.sample(s, args, {}), None

        def keep(s, _):
            s = kernel.sample(s, args, {})
            return s, (s.z, s.diverging, s.num_steps)

        state, _ = lax.scan(warm, state, None, length=warmup)
        state, (z, diverging, steps) = lax.scan(keep, state, None, length=draws)
        return jax.vmap(kernel.postprocess_fn(args, {}))(z), diverging, steps

    return kernel, chain


_DEFAULT_PRIORS = {"mu": "normal(0, 5)", "tau": "halfcauchy(5)", "sigma": "halfnormal(5)",
                   "phi": "exponential(0.1)", "beta": "normal(0, 5)"}


def fit_hierarchical(
    y: Any,
    groups: Sequence[Any],
    *,
    design: Design | None = None,
    likelihood: Likelihood = "normal",
    sigma: Any = None,
    exposure: Any = None,
    covariates: Any = None,
    priors: Mapping[str, str | Prior] | None = None,
    pooling: Pooling = "partial",
    parameterisation: str | Mapping[str, str] = "auto",
    chains: int = 4,
    warmup: int = 1000,
    draws: int = 1000,
    seed: int = 0,
    target_accept: float = 0.95,
    max_tree_depth: int = 10,
    label: str = "hierarchical calibration",
    allow_empty_groups: bool = False,
    warn: bool = True,
) -> HierarchicalFit:
    """Calibrate group-level parameters by hierarchical Bayesian inference with NUTS.

    Parameters
    ----------
    y : array_like, shape (rows,)
        Observations: real values (``normal``) or counts (``poisson``, ``negbinomial``).
    groups : sequence, shape (rows,)
        Innermost-level group label of each row.
    design : Design, optional
        Levels and nesting; default one level ``"group"`` with the labels in ``groups``
        in order of first appearance.
    likelihood : {"normal", "poisson", "negbinomial"}
        ``normal`` with known ``sigma`` per row, or unknown common ``sigma`` (prior
        ``sigma``); counts with mean ``exposure * exp(eta)`` (log link); the negative
        binomial has concentration ``phi`` (variance ``m + m^2/phi``).
    sigma : array_like, optional
        Known standard deviations of ``y`` (same unit as ``y``), > 0.
    exposure : array_like, optional
        Exposure of each count row (> 0; e.g. capture efficiency x time), default 1.
    covariates : array_like, shape (rows, k), optional
        Row covariates with common slopes ``beta`` (prior ``beta``).
    priors : mapping, optional
        ``mu`` (real; also each group's prior under no pooling), ``tau`` or
        ``tau_<level>`` (positive), ``sigma``, ``phi`` (positive), ``beta`` (real):
        :class:`Prior` or text ``"normal(0, 5)"``. Defaults: ``mu ~ normal(0, 5)``,
        ``tau ~ halfcauchy(5)``, ``sigma ~ halfnormal(5)``, ``phi ~ exponential(0.1)``,
        ``beta ~ normal(0, 5)``.
    pooling : {"partial", "complete", "none"}
    parameterisation : {"auto", "centred", "non-centred"} or mapping level -> choice
    chains, warmup, draws : int
        NUTS chains, warm-up and kept iterations per chain. The chains run one after
        another through one compiled program, which is cached per model structure and
        data shapes, so a second fit of the same structure (e.g. another centring, or
        new data of the same size) does not compile again.
    seed : int
        JAX PRNG seed.
    target_accept : float
        NUTS target acceptance probability (in (0, 1)); 0.95 as rstanarm's default
        for hierarchical models (Goodrich et al. 2020), fewer divergences than 0.8.
    max_tree_depth : int
        NUTS maximum tree depth (at most ``2^depth`` leapfrog steps per draw).
    label : str
        The bridge's name in validity diagnostics.
    allow_empty_groups : bool
        Allow design groups without rows (predicted from the population alone).
    warn : bool
        Warn (:class:`ValidityWarning`) when the diagnostics fail.

    Returns
    -------
    HierarchicalFit

    Raises
    ------
    ConfigError
        Rows whose group is not in the design (or design groups without data),
        NaN or infinite data (naming the rows), impossible priors, bad settings.
    """
    _require_bayes()
    y = np.asarray(y, dtype=float)
    if y.ndim != 1 or y.size == 0:
        raise ConfigError(f"y must be a non-empty 1-D array, got shape {y.shape}")
    labels = [str(g) for g in groups]
    if len(labels) != y.size:
        raise ConfigError(f"groups has {len(labels)} labels for {y.size} rows of y")
    _check_finite("y", y)
    if likelihood not in ("normal", "poisson", "negbinomial"):
        raise ConfigError(f"likelihood {likelihood!r} is not one of normal, poisson, "
                          "negbinomial")
    if pooling not in ("partial", "complete", "none"):
        raise ConfigError(f"pooling {pooling!r} is not one of partial, complete, none")
    if design is None:
        design = Design.single("group", list(dict.fromkeys(labels)))
    inner = design.groups[design.inner]
    pos = {g: i for i, g in enumerate(inner)}
    unknown = np.array([g not in pos for g in labels])
    if unknown.any():
        names = sorted({g for g, u in zip(labels, unknown, strict=True) if u})
        raise ConfigError(f"rows {_rows(unknown)} name groups {names[:5]} that are not in the "
                          f"design's level {design.inner!r} (known: {list(inner)[:8]}...)")
    idx = np.array([pos[g] for g in labels], dtype=int)
    empty = [g for g, c in zip(inner, np.bincount(idx, minlength=len(inner)), strict=True)
             if c == 0]
    if empty and not allow_empty_groups:
        raise ConfigError(f"design groups {empty[:5]} of level {design.inner!r} have no data "
                          "rows; fix the labels or pass allow_empty_groups=True")
    if sigma is not None:
        sigma = np.broadcast_to(np.asarray(sigma, dtype=float), y.shape).copy()
        _check_finite("sigma", sigma)
        if np.any(sigma <= 0):
            raise ConfigError(f"sigma must be > 0; rows {_rows(sigma <= 0)} are not")
        if likelihood != "normal":
            raise ConfigError("sigma (known standard deviations) needs likelihood='normal'")
    if likelihood != "normal":
        if np.any(y < 0) or np.any(y != np.round(y)):
            raise ConfigError(f"{likelihood} counts must be non-negative integers; rows "
                              f"{_rows((y < 0) | (y != np.round(y)))} are not")
    expo = np.ones_like(y) if exposure is None else np.broadcast_to(
        np.asarray(exposure, dtype=float), y.shape).copy()
    _check_finite("exposure", expo)
    if np.any(expo <= 0):
        raise ConfigError(f"exposure must be > 0; rows {_rows(expo <= 0)} are not")
    x = None
    if covariates is not None:
        x = np.asarray(covariates, dtype=float)
        x = x[:, None] if x.ndim == 1 else x
        if x.shape[0] != y.size:
            raise ConfigError(f"covariates have {x.shape[0]} rows for {y.size} rows of y")
        _check_finite("covariates", x)
    for name, v, lo in (("chains", chains, 1), ("warmup", warmup, 1), ("draws", draws, 1)):
        if int(v) != v or v < lo:
            raise ConfigError(f"{name} must be an integer >= {lo}, got {v}")
    if not 0.0 < target_accept < 1.0:
        raise ConfigError(f"target_accept must lie in (0, 1), got {target_accept}")

    # priors
    given = dict(priors or {})
    known = {"mu", "tau", "sigma", "phi", "beta"} | {f"tau_{lv}" for lv in design.levels}
    extra = sorted(set(given) - known)
    if extra:
        raise ConfigError(f"priors given for unknown parameters {extra}; known: {sorted(known)}")
    pri: dict[str, Prior] = {}
    pri["mu"] = Prior.parse(given.get("mu", _DEFAULT_PRIORS["mu"])).require("real", "mu")
    pri["beta"] = Prior.parse(given.get("beta", _DEFAULT_PRIORS["beta"])).require("real", "beta")
    for name in ("sigma", "phi"):
        pri[name] = Prior.parse(given.get(name, _DEFAULT_PRIORS[name])).require("positive",
                                                                               name)
    for lv in design.levels:
        spec = given.get(f"tau_{lv}", given.get("tau", _DEFAULT_PRIORS["tau"]))
        pri[f"tau_{lv}"] = Prior.parse(spec).require("positive", f"tau_{lv}")

    # parameterisation per level
    info = choose_parameterisation(design, likelihood, y, idx, sigma, expo)
    if isinstance(parameterisation, str):
        forced = {lv: parameterisation for lv in design.levels}
    else:
        forced = {lv: parameterisation.get(lv, "auto") for lv in design.levels}
    nc = []
    for lv in design.levels:
        choice = forced[lv].replace("_", "-").replace("noncentred", "non-centred")
        choice = choice.replace("centered", "centred")
        if choice not in ("auto", "centred", "non-centred"):
            raise ConfigError(f"parameterisation {forced[lv]!r} of level {lv!r} is not auto, "
                              "centred or non-centred")
        info[lv]["forced"] = choice != "auto"
        if choice != "auto":
            info[lv]["choice"] = choice
        nc.append(info[lv]["choice"] == "non-centred")

    import jax
    import jax.numpy as jnp

    n_groups = tuple(len(design.groups[lv]) for lv in design.levels)
    model = _build_model(design.levels, n_groups, pooling, likelihood, tuple(sorted(pri.items())),
                         sigma is not None, 0 if x is None else x.shape[1])
    kernel, chain = _sampler(model, int(warmup), int(draws), float(target_accept),
                             int(max_tree_depth))
    parent_idx = tuple(None if k == 0 else jnp.asarray(design.parent_index(lv))
                       for k, lv in enumerate(design.levels))
    w = tuple(jnp.asarray(0.0 if flag else 1.0) for flag in nc)
    args = (jnp.asarray(y), jnp.asarray(idx), parent_idx, w,
            None if sigma is None else jnp.asarray(sigma), jnp.asarray(np.log(expo)),
            None if x is None else jnp.asarray(x))
    tic = time.perf_counter()
    keys = jax.random.split(jax.random.PRNGKey(int(seed)), int(chains))
    outs = []
    for c in range(int(chains)):
        state = kernel.init(keys[c], int(warmup), model_args=args)
        outs.append(jax.block_until_ready(chain(state, args)))
    grouped = {k: np.stack([np.asarray(o[0][k], dtype=float) for o in outs])
               for k in outs[0][0] if not k.startswith("raw_")}
    diverging = np.stack([np.asarray(o[1]) for o in outs])
    steps = np.stack([np.asarray(o[2]) for o in outs])
    t_sample = time.perf_counter() - tic
    tic = time.perf_counter()
    diag = convergence(grouped, diverging)
    diag["leapfrog_steps"] = float(steps.sum())
    idata = _to_idata(grouped, diverging, design, y, labels)
    t_diag = time.perf_counter() - tic
    fit = HierarchicalFit(design=design, pooling=pooling, likelihood=likelihood,
                          samples=grouped, parameterisation=info, diagnostics=diag,
                          timings={"sampling": t_sample, "diagnostics": t_diag}, label=label,
                          idata=idata, _sigma_obs=sigma)
    if warn and not fit.converged:
        bad = "; ".join(f"{v.diagnostic} = {v.value:.4g} (limit {v.limit:g})"
                        for v in fit.validity() if not v.ok)
        warnings.warn(ValidityWarning(f"{label}: NUTS did not converge: {bad}; the results "
                                      "are kept but marked as not converged"), stacklevel=2)
    return fit


def _to_idata(grouped: dict[str, np.ndarray], diverging: np.ndarray, design: Design,
              y: np.ndarray, labels: list[str]) -> Any:
    import arviz as az

    coords: dict[str, Any] = {lv: list(design.groups[lv]) for lv in design.levels}
    dims: dict[str, list[str]] = {}
    for name, arr in grouped.items():
        if arr.ndim == 3:
            level = "covariate" if name == "beta" else name.split("_", 1)[-1]
            if level == "covariate":
                coords["covariate"] = list(range(arr.shape[2]))
            dims[name] = [level]
    coords["row"] = list(range(y.size))
    dims["y"] = ["row"]
    idata = az.from_dict(posterior=grouped, sample_stats={"diverging": diverging},
                         observed_data={"y": y}, coords=coords, dims=dims)
    idata.observed_data["group"] = ("row", np.asarray(labels, dtype=str))
    return idata


# -- pushing the posterior forward ----------------------------------------------------

def push_forward(study: Any, draws: Mapping[str, np.ndarray], *, max_draws: int | None = None,
                 rng: np.random.Generator | None = None) -> tuple[Any, np.ndarray]:
    """Evaluate a study once per posterior draw, vectorised over the sample dimension.

    Parameters
    ----------
    study : scaleweave.core.study.Study
        With the calibrated quantities bound as study parameters (``Study.bind``).
    draws : mapping of str -> ndarray, shape (S, ...)
        SI values of each bound parameter, one row per posterior draw (the rows of
        different parameters belong together: they are joint draws).
    max_draws : int, optional
        Use a random subset of this many draws (without replacement).
    rng : numpy.random.Generator, optional
        For the subset.

    Returns
    -------
    result : StudyResult
        Every port with a leading sample axis.
    rows : ndarray of int
        Which draws were used.
    """
    sizes = {k: np.shape(v)[0] for k, v in draws.items()}
    if len(set(sizes.values())) != 1:
        raise ConfigError(f"posterior draws of different lengths {sizes}: they must be joint")
    n = next(iter(sizes.values()))
    rows = np.arange(n)
    if max_draws is not None and max_draws < n:
        rng = rng or np.random.default_rng(0)
        rows = np.sort(rng.choice(n, size=max_draws, replace=False))
    params = {k: np.asarray(v)[rows] for k, v in draws.items()}
    return study.run(params=params, batch=rows.size), rows
