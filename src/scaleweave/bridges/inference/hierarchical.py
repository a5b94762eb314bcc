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

**Centred or non-centred.** Each level is sampled centred or non-centred, chosen from
the information its groups' data carry (:mod:`scaleweave.bridges.inference.parameterisation`);
the choice and its reasons are reported.

**Sampling**: NUTS (Hoffman & Gelman 2014) from NumPyro, several chains from
dispersed initial points, each with its own warm-up (step size and diagonal mass
matrix), through one compiled program per model structure. **Convergence** is checked on
every fit (R-hat, bulk and tail ESS, divergences; see
:mod:`scaleweave.bridges.inference.mcmc_diagnostics`) and returned as validity
diagnostics (``fit.validity()``): a fit that fails them is one where NUTS did not
converge; its results are kept and marked in its ``converged`` flag, and the
caller's ``validity`` policy decides whether that is only recorded, warned or raised.

This module checks the input and runs the chains; the parts live beside it:
:mod:`~scaleweave.bridges.inference.priors` (:class:`Prior`),
:mod:`~scaleweave.bridges.inference.design` (:class:`Design`),
:mod:`~scaleweave.bridges.inference.parameterisation` (:func:`choose_parameterisation`),
:mod:`~scaleweave.bridges.inference.hierarchical_fit` (:class:`HierarchicalFit`),
:mod:`~scaleweave.bridges.inference.push_forward` (:func:`push_forward`), all
importable from here, and the NumPyro model with its compiled sampler
(``_hierarchical_model``).

Needs the ``bayes`` extra (NumPyro, JAX, ArviZ).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any, Literal

import numpy as np

from scaleweave._optional import import_jax, require_optional
from scaleweave.bridges.inference._hierarchical_model import build_model, sampler
from scaleweave.bridges.inference.design import Design
from scaleweave.bridges.inference.hierarchical_fit import HierarchicalFit
from scaleweave.bridges.inference.mcmc_diagnostics import convergence
from scaleweave.bridges.inference.parameterisation import choose_parameterisation
from scaleweave.bridges.inference.priors import DEFAULT_PRIORS, Prior
from scaleweave.bridges.inference.push_forward import push_forward  # noqa: F401 - re-exported
from scaleweave.core.checks import apply_validity_policy, check_policy
from scaleweave.errors import ConfigError

# Design, HierarchicalFit, Prior, choose_parameterisation and push_forward are imported
# from here too; each is listed in the __all__ of its own module only (the packages'
# lazy exports need every name in one __all__).
__all__ = ["fit_hierarchical"]

Likelihood = Literal["normal", "poisson", "negbinomial"]
Pooling = Literal["partial", "complete", "none"]


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
    validity: str = "record",
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
    validity : {"record", "warn", "raise"}
        What a failed convergence diagnostic (NUTS did not converge) does: only
        recorded in the fit's ``validity()`` and ``converged`` (the results are
        kept); also a :class:`~scaleweave.errors.ValidityWarning` naming each
        failed diagnostic; or a :class:`~scaleweave.errors.ValidityError`.

    Returns
    -------
    HierarchicalFit

    Raises
    ------
    ConfigError
        Rows whose group is not in the design (or design groups without data),
        NaN or infinite data (naming the rows), impossible priors, bad settings.
    ValidityError
        With ``validity="raise"``, when NUTS did not converge.
    """
    check_policy(validity)
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
    pri["mu"] = Prior.parse(given.get("mu", DEFAULT_PRIORS["mu"])).require("real", "mu")
    pri["beta"] = Prior.parse(given.get("beta", DEFAULT_PRIORS["beta"])).require("real", "beta")
    for name in ("sigma", "phi"):
        pri[name] = Prior.parse(given.get(name, DEFAULT_PRIORS[name])).require("positive",
                                                                               name)
    for lv in design.levels:
        spec = given.get(f"tau_{lv}", given.get("tau", DEFAULT_PRIORS["tau"]))
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
    model = build_model(design.levels, n_groups, pooling, likelihood, tuple(sorted(pri.items())),
                        sigma is not None, 0 if x is None else x.shape[1])
    kernel, chain = sampler(model, int(warmup), int(draws), float(target_accept),
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
    apply_validity_policy(fit.validity(), validity)
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
