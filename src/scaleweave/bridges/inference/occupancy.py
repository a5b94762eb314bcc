"""Occupancy with imperfect detection: the likelihood, simulated surveys and a nested fit.

A species occupies site ``i`` with probability ``psi_i`` and, where present, is
detected on each of ``J`` visits with probability ``p``; a species never seen at a
site is either absent or missed (MacKenzie et al. 2002, Ecology 83:2248). The
occupancy state is summed out of the likelihood (:func:`detection_loglik`).
:func:`fit_occupancy` fits one species with covariates and sites nested in groups
(partially pooled) by NUTS. The multi-species model whose covariate scale is a
latent variable is :mod:`scaleweave.bridges.inference.scale_selection`.

Every fit returns its NUTS convergence diagnostics as validity entries
(``fit.validity()``); the caller's ``validity`` policy decides whether a failed one is
only recorded, warned or raised.

Needs the ``bayes`` extra (NumPyro, JAX, ArviZ).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from scaleweave._optional import import_jax, require_optional
from scaleweave.bridges.inference.mcmc_diagnostics import convergence, convergence_validity
from scaleweave.core.checks import Validity, apply_validity_policy, check_policy
from scaleweave.errors import ConfigError

__all__ = ["OccupancyFit", "detection_loglik", "fit_occupancy", "simulate_detections"]


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


def _require_numpyro() -> None:
    require_optional(("numpyro", "jax", "arviz"), "occupancy", "bayes")
    import_jax("occupancy")  # double precision, whatever was imported before


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
