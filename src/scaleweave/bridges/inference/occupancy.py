"""Occupancy with imperfect detection, many species, and the spatial scale as a latent variable.

The bridge between a landscape (covariates measured at several spatial scales) and
detection histories at survey sites. A species occupies site ``i`` with probability
``psi_ik`` and, where present, is detected on each of ``J`` visits with probability
``p_k``; a species never seen at a site is either absent or missed (MacKenzie et al.
2002, Ecology 83:2248). Species' coefficients are drawn from community
distributions (Dorazio & Royle 2005, JASA 100:389), so rare species borrow strength
from common ones.

Which spatial scale of a covariate the community responds to is a latent discrete
variable ``s`` with a prior over candidate scales (the Bayesian latent indicator
scale selection of Stuber, Gruber & Fontaine 2017, Landscape Ecol. 32:2365). It is
summed out of the likelihood, so NUTS samples only continuous parameters, and its
posterior weight is recovered per draw (Rao-Blackwellised):
``P(s | data) = E_theta[ softmax_s(log pi_s + log L_s(theta)) ]``.

Every fit returns its NUTS convergence diagnostics as validity entries
(``fit.validity()``); the caller's ``validity`` policy decides whether a failed one is
only recorded, warned or raised.

Needs the ``bayes`` extra (NumPyro, JAX, ArviZ).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scaleweave._optional import import_jax, require_optional
from scaleweave.bridges.inference.mcmc_diagnostics import convergence, convergence_validity
from scaleweave.core.checks import Validity, apply_validity_policy, check_policy
from scaleweave.errors import ConfigError

__all__ = [
    "OccupancyFit",
    "ScaleSelectionFit",
    "detection_loglik",
    "fit_occupancy",
    "fit_scale_selection",
    "make_sampler",
    "simulate_detections",
]


def simulate_detections(psi: np.ndarray, p: np.ndarray, n_visits: int,
                        rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Detection counts of an occupancy survey.

    Parameters
    ----------
    psi : ndarray, shape (sites, species)
        Occupancy probabilities.
    p : ndarray, shape (species,) or (sites, species)
        Per-visit detection probabilities where present.
    n_visits : int
        Repeat visits ``J``.
    rng : numpy.random.Generator

    Returns
    -------
    y : ndarray of int, shape (sites, species)
        Visits (of ``J``) on which the species was detected.
    z : ndarray of int
        True occupancy.
    """
    z = (rng.random(psi.shape) < psi).astype(np.int64)
    y = rng.binomial(n_visits, np.broadcast_to(p, psi.shape)) * z
    return y, z


def detection_loglik(y: Any, n_visits: int, logit_psi: Any, logit_p: Any, xp: Any = np
                     ) -> Any:
    """Log-likelihood of detection counts with occupancy summed out, elementwise.

    ``y > 0``: ``log psi + y log p + (J - y) log(1 - p)``; ``y = 0``:
    ``log(psi (1 - p)^J + 1 - psi)`` (the binomial coefficient, a constant, is left
    out). ``xp`` is ``numpy`` or ``jax.numpy``.
    """
    def log_sigmoid(x):
        return -xp.logaddexp(0.0, -x)

    lp, lq = log_sigmoid(logit_p), log_sigmoid(-logit_p)
    present = log_sigmoid(logit_psi)
    absent = present - logit_psi  # log(1 - psi), without a second softplus
    seen = present + y * lp + (n_visits - y) * lq
    unseen = xp.logaddexp(present + n_visits * lq, absent)
    return xp.where(y > 0, seen, unseen)


@dataclass
class ScaleSelectionFit:
    """Posterior of a multi-species occupancy model with a latent scale.

    Attributes
    ----------
    scales : ndarray
        Candidate scales (the unit of the caller, e.g. m).
    weights : ndarray
        Posterior probability of each scale.
    selected : float
        The scale of highest posterior weight.
    samples : dict of str -> ndarray
        Posterior draws (chains pooled) of the community parameters.
    diagnostics : dict
        Of the community parameters, from
        :func:`scaleweave.bridges.inference.mcmc_diagnostics.convergence`: ``max_rhat``,
        ``min_ess_bulk``, ``min_ess_tail``, ``divergences``, ``worst_rhat``, ...
    idata : arviz.InferenceData or None
    """

    scales: np.ndarray
    weights: np.ndarray
    selected: float
    samples: dict[str, np.ndarray]
    diagnostics: dict[str, float]
    idata: Any = field(default=None, repr=False)

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float, float]:
        """Posterior mean and central credible interval of a scalar parameter."""
        draws = self.samples[name]
        a = (1.0 - level) / 2.0
        return (float(draws.mean()), float(np.quantile(draws, a)),
                float(np.quantile(draws, 1.0 - a)))

    def validity(self, label: str = "scale selection") -> list[Validity]:
        """Convergence diagnostics against their usual limits (Vehtari et al. 2021)."""
        return convergence_validity(self.diagnostics, label)


def _require_numpyro() -> None:
    require_optional(("numpyro", "jax", "arviz"), "scale selection", "bayes")
    import_jax("scale selection")  # double precision, whatever was imported before


def _model(y, n_visits, env, covariate, log_prior):  # pragma: no cover - traced by JAX
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist
    from jax.scipy.special import logsumexp

    n_species = y.shape[1]
    hyper = {}
    for name, loc_sd in (("psi0", 1.5), ("env", 1.0), ("cov", 1.0), ("p0", 1.5)):
        hyper[f"mu_{name}"] = numpyro.sample(f"mu_{name}", dist.Normal(0.0, loc_sd))
        hyper[f"sd_{name}"] = numpyro.sample(f"sd_{name}", dist.HalfNormal(1.0))
    with numpyro.plate("species", n_species):
        # Non-centred: a few sites per species inform its coefficients only weakly.
        coef = {name: hyper[f"mu_{name}"] + hyper[f"sd_{name}"]
                * numpyro.sample(f"z_{name}", dist.Normal(0.0, 1.0))
                for name in ("psi0", "env", "cov", "p0")}
    logit_psi = (coef["psi0"][None, None, :] + coef["env"][None, None, :] * env[None, :, None]
                 + coef["cov"][None, None, :] * covariate[:, :, None])
    ll = detection_loglik(y[None], n_visits, logit_psi, coef["p0"][None, None, :], jnp)
    per_scale = ll.sum(axis=(1, 2)) + log_prior
    numpyro.deterministic("scale_logpost", per_scale)
    numpyro.factor("likelihood", logsumexp(per_scale))


def fit_scale_selection(y: np.ndarray, n_visits: int, covariate_by_scale: np.ndarray,
                        scales: np.ndarray, env: np.ndarray | None = None, *,
                        prior: np.ndarray | None = None, chains: int = 2, warmup: int = 500,
                        draws: int = 500, seed: int = 0, mcmc: Any = None,
                        keep_idata: bool = False, validity: str = "record"
                        ) -> ScaleSelectionFit:
    """Fit the community occupancy model with the covariate's scale as a latent variable.

    Parameters
    ----------
    y : ndarray of int, shape (sites, species)
        Detections out of ``n_visits``.
    n_visits : int
    covariate_by_scale : ndarray, shape (scales, sites)
        The covariate (e.g. pyrodiversity) measured at each candidate scale;
        standardised here per scale.
    scales : ndarray, shape (scales,)
        Candidate scale values (labels; any unit).
    env : ndarray, shape (sites,), optional
        A site covariate controlled for (standardised here); None leaves it out.
    prior : ndarray, optional
        Prior probability of each scale (uniform by default).
    chains, warmup, draws : int
        NUTS settings; chains run one after the other in one process (vectorised
        chains wait for the longest tree of any chain: slower here).
    seed : int
    mcmc : numpyro.infer.MCMC, optional
        A sampler from an earlier call with the same data shapes: reused, so JAX
        compiles once for a batch of replicate fits.
    keep_idata : bool
        Attach an ArviZ InferenceData.
    validity : {"record", "warn", "raise"}
        What a failed convergence diagnostic of :meth:`ScaleSelectionFit.validity` does: only
        recorded there (the default; the results are kept); also a
        :class:`~scaleweave.errors.ValidityWarning`; or a
        :class:`~scaleweave.errors.ValidityError`.

    Returns
    -------
    ScaleSelectionFit
    """
    check_policy(validity)
    _require_numpyro()
    import arviz as az
    import jax
    import jax.numpy as jnp

    y = np.asarray(y)
    cov = np.asarray(covariate_by_scale, dtype=float)
    scales = np.asarray(scales, dtype=float)
    if y.ndim != 2 or cov.ndim != 2 or cov.shape != (scales.size, y.shape[0]):
        raise ConfigError(
            f"scale selection: detections {y.shape} (sites, species), covariate "
            f"{cov.shape} must be (scales={scales.size}, sites={y.shape[0]})")
    if np.any(y < 0) or np.any(y > n_visits):
        raise ConfigError(f"scale selection: detections must lie in [0, {n_visits}]")
    bad = np.argwhere(~np.isfinite(cov))
    if bad.size:
        raise ConfigError(f"scale selection: non-finite covariate at (scale, site) "
                          f"{[tuple(int(i) for i in b) for b in bad[:5]]}")
    sd = cov.std(axis=1, keepdims=True)
    if np.any(sd == 0):
        raise ConfigError("scale selection: the covariate does not vary across sites at "
                          f"scale(s) {scales[sd[:, 0] == 0].tolist()}")
    cov = (cov - cov.mean(axis=1, keepdims=True)) / sd
    if env is None:
        # Zeros, not a different model: the environment's coefficients then follow
        # their prior and the compiled sampler is reused for both fits.
        env = np.zeros(y.shape[0])
    else:
        env = np.asarray(env, dtype=float)
        env = (env - env.mean()) / env.std()
    prior = np.full(scales.size, 1.0 / scales.size) if prior is None else np.asarray(prior)
    if prior.shape != scales.shape or np.any(prior < 0) or not np.isclose(prior.sum(), 1.0):
        raise ConfigError("scale selection: prior must be non-negative weights, one per "
                          "scale, summing to 1")
    if mcmc is None:
        mcmc = make_sampler(chains, warmup, draws)
    mcmc.run(jax.random.PRNGKey(seed), jnp.asarray(y, dtype=jnp.float32), int(n_visits),
             jnp.asarray(env, dtype=jnp.float32), jnp.asarray(cov, dtype=jnp.float32),
             jnp.log(jnp.asarray(prior, dtype=jnp.float32)))
    grouped = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    logpost = grouped.pop("scale_logpost")
    logpost = logpost - logpost.max(axis=-1, keepdims=True)
    per_draw = np.exp(logpost) / np.exp(logpost).sum(axis=-1, keepdims=True)
    weights = per_draw.reshape(-1, scales.size).mean(axis=0)
    community = {k: v for k, v in grouped.items() if k.startswith(("mu_", "sd_"))}
    diagnostics = convergence(community, mcmc.get_extra_fields()["diverging"])
    idata = az.from_numpyro(mcmc) if keep_idata else None
    pooled = {k: v.reshape(-1) for k, v in community.items()}
    fit = ScaleSelectionFit(scales=scales, weights=weights,
                            selected=float(scales[int(np.argmax(weights))]),
                            samples=pooled, diagnostics=diagnostics, idata=idata)
    apply_validity_policy(fit.validity(), validity)
    return fit


def make_sampler(chains: int = 2, warmup: int = 500, draws: int = 500) -> Any:
    """A NUTS sampler for :func:`fit_scale_selection`, reusable across replicate fits."""
    _require_numpyro()
    from numpyro.infer import MCMC, NUTS

    return MCMC(NUTS(_model, target_accept_prob=0.9), num_warmup=warmup, num_samples=draws,
                num_chains=chains, chain_method="sequential", progress_bar=False,
                jit_model_args=True)


@dataclass
class OccupancyFit:
    """Posterior of a single-species occupancy model with detection.

    Attributes
    ----------
    samples : dict of str -> ndarray
        Pooled draws: ``mu_psi`` (logit occupancy at average covariates), ``beta``
        (draws, covariates), ``sd_group`` and ``logit_p`` where present, and
        ``psi_mean`` (occupancy averaged over the sites).
    diagnostics : dict
        From :func:`scaleweave.bridges.inference.mcmc_diagnostics.convergence`.
    """

    samples: dict[str, np.ndarray]
    diagnostics: dict[str, Any]

    def interval(self, name: str, index: int | None = None, level: float = 0.95
                 ) -> tuple[float, float, float]:
        """Posterior mean and central credible interval of a scalar (or one column)."""
        draws = self.samples[name] if index is None else self.samples[name][:, index]
        a = (1.0 - level) / 2.0
        return (float(draws.mean()), float(np.quantile(draws, a)),
                float(np.quantile(draws, 1.0 - a)))

    def validity(self, label: str = "occupancy") -> list[Validity]:
        """R-hat, bulk and tail ESS and divergences against their limits."""
        return convergence_validity(self.diagnostics, label)


def _occupancy_model(y, n_visits, x, group, n_groups):  # pragma: no cover - traced by JAX
    import jax.numpy as jnp
    import numpyro
    import numpyro.distributions as dist

    mu = numpyro.sample("mu_psi", dist.Normal(0.0, 1.5))
    logit_psi = mu + jnp.zeros(y.shape[0])
    if x is not None:
        beta = numpyro.sample("beta", dist.Normal(0.0, 1.0).expand([x.shape[1]]).to_event(1))
        logit_psi = logit_psi + x @ beta
    if group is not None:
        sd = numpyro.sample("sd_group", dist.HalfNormal(1.0))
        with numpyro.plate("groups", n_groups):
            u = numpyro.sample("z_group", dist.Normal(0.0, 1.0))  # non-centred
        logit_psi = logit_psi + sd * u[group]
    logit_p = numpyro.sample("logit_p", dist.Normal(0.0, 1.5))
    numpyro.deterministic("psi_mean", jnp.mean(1.0 / (1.0 + jnp.exp(-logit_psi))))
    numpyro.factor("likelihood", detection_loglik(y, n_visits, logit_psi, logit_p, jnp).sum())


def fit_occupancy(y: np.ndarray, n_visits: int, *, covariates: np.ndarray | None = None,
                  group: np.ndarray | None = None, chains: int = 2, warmup: int = 500,
                  draws: int = 500, seed: int = 0, validity: str = "record") -> OccupancyFit:
    """Fit a single-species occupancy model with detection (MacKenzie et al. 2002) by NUTS.

    ``logit psi_i = mu + x_i . beta + sd u_g(i)`` with site groups (plots) partially
    pooled (``u ~ N(0, 1)``, non-centred) and a constant detection probability; the
    occupancy state is summed out.

    Parameters
    ----------
    y : ndarray of int, shape (sites,)
        Visits with a detection, of ``n_visits``.
    n_visits : int
    covariates : ndarray, shape (sites, k), optional
        Site covariates (used as given; standardise them first).
    group : ndarray of int, shape (sites,), optional
        Group index ``0 .. G-1`` of each site.
    chains, warmup, draws, seed
        NUTS settings.
    validity : {"record", "warn", "raise"}
        What a failed convergence diagnostic of :meth:`OccupancyFit.validity` does: only
        recorded there (the default; the results are kept); also a
        :class:`~scaleweave.errors.ValidityWarning`; or a
        :class:`~scaleweave.errors.ValidityError`.

    Returns
    -------
    OccupancyFit
    """
    check_policy(validity)
    _require_numpyro()
    import jax
    import jax.numpy as jnp
    from numpyro.infer import MCMC, NUTS

    y = np.asarray(y)
    if y.ndim != 1 or np.any(y < 0) or np.any(y > n_visits):
        raise ConfigError(f"occupancy: detections must be a vector in [0, {n_visits}]")
    x = None if covariates is None else np.asarray(covariates, dtype=float).reshape(y.size, -1)
    if x is not None and not np.all(np.isfinite(x)):
        rows = np.flatnonzero(~np.isfinite(x).all(axis=1))
        raise ConfigError(f"occupancy: non-finite covariates at sites {rows[:10].tolist()}")
    g = None if group is None else np.asarray(group, dtype=int)
    if g is not None and (g.shape != y.shape or g.min() < 0):
        raise ConfigError("occupancy: group must give a non-negative index for every site")
    mcmc = MCMC(NUTS(_occupancy_model, target_accept_prob=0.9), num_warmup=warmup,
                num_samples=draws, num_chains=chains, chain_method="sequential",
                progress_bar=False)
    mcmc.run(jax.random.PRNGKey(seed), jnp.asarray(y, dtype=jnp.float32), int(n_visits),
             None if x is None else jnp.asarray(x, dtype=jnp.float32),
             None if g is None else jnp.asarray(g), None if g is None else int(g.max()) + 1)
    grouped = {k: np.asarray(v) for k, v in mcmc.get_samples(group_by_chain=True).items()}
    scalars = [k for k in ("mu_psi", "beta", "sd_group", "logit_p") if k in grouped]
    diagnostics = convergence(grouped, mcmc.get_extra_fields()["diverging"], scalars)
    pooled = {k: v.reshape(-1, *v.shape[2:]) for k, v in grouped.items()}
    fit = OccupancyFit(samples=pooled, diagnostics=diagnostics)
    apply_validity_policy(fit.validity(), validity)
    return fit
