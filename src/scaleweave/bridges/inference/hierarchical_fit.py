"""The posterior of a hierarchical calibration and what is read from it.

A :class:`HierarchicalFit` holds the draws of
:func:`scaleweave.bridges.inference.hierarchical.fit_hierarchical` grouped by chain,
the parameterisation chosen per level and the convergence diagnostics, which it
returns as validity entries (:meth:`HierarchicalFit.validity`); it gives the group
effects and their summaries, held-out predictive densities, and the posterior as an
ArviZ file or an ``xarray.Dataset`` for a case result.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from scaleweave.bridges.inference.design import Design
from scaleweave.bridges.inference.mcmc_diagnostics import convergence_validity
from scaleweave.core.checks import Validity
from scaleweave.errors import ConfigError

__all__ = ["HierarchicalFit"]


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
        The choice per level and why (see
        :func:`scaleweave.bridges.inference.parameterisation.choose_parameterisation`), with
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
