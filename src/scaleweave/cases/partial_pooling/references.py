"""The ``partial-pooling`` references: the eight schools' exact posterior and published
complete pooling (Rubin 1981; BDA3), and the pushed-forward band's coverage.

NUTS convergence (R-hat, ESS, divergences) and the comparison of the three poolings
on held-out cells are diagnostics of the fits: validity, not references.
"""

from __future__ import annotations

import functools

from scipy import stats

from scaleweave.analytic.eight_schools import (
    EIGHT_SCHOOLS_SIGMA,
    EIGHT_SCHOOLS_Y,
    eight_schools_quadrature,
)
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues

__all__ = ["RUBIN", "band_coverage_needed", "exact_posterior", "references"]

RUBIN = "Rubin (1981) J. Educ. Stat. 6:377; Gelman et al. (2013) BDA3 sec. 5.5"


@functools.lru_cache(maxsize=8)
def exact_posterior(mu_loc: float, mu_scale: float, tau_scale: float) -> dict[str, float]:
    """The eight schools' ``E[mu]`` and ``E[tau]`` by quadrature, for these priors."""
    return eight_schools_quadrature(EIGHT_SCHOOLS_Y, EIGHT_SCHOOLS_SIGMA, mu_loc, mu_scale,
                                    tau_scale)


def band_coverage_needed(n_tissues: int) -> int:
    """Fewest tissues a calibrated 95% band covers but with probability < 1%:
    the 1st percentile of Binomial(n_tissues, 0.95)."""
    return int(stats.binom.ppf(0.01, n_tissues, 0.95))


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """The references for the inputs ``p``."""
    priors = (p["mu_prior_loc"], p["mu_prior_scale"], p["tau_prior_scale"])
    exact = exact_posterior(*priors)
    quad_src = ("exact posterior by 2-D quadrature over (mu, tau), theta integrated out "
                f"analytically; {RUBIN}")
    if priors == (0.0, 5.0, 5.0):
        quad_src += "; 4.40 and 3.59 for mu ~ N(0, 5), tau ~ HalfCauchy(5)"
    n_t = int(p["n_tissues"])
    # 0.15 holds 3 Monte Carlo standard errors when ESS >= (3 sd / 0.15)^2 ~ 4400; a
    # shorter run's larger error widens it (sigmas=3).
    return [
        Reference("eight schools E[mu] (NUTS vs quadrature)", "mu", exact["mu"], 0.15,
                  quad_src, "abs", sigmas=3),
        Reference("eight schools E[tau] (NUTS vs quadrature)", "tau", exact["tau"], 0.15,
                  quad_src, "abs", sigmas=3),
        Reference("eight schools complete pooling mean", "complete_pooling", 7.69, 0.005,
                  f"precision-weighted mean; {RUBIN}: 7.69 +- 4.07", "abs"),
        Reference("eight schools complete pooling sd", "complete_pooling_sd", 4.07, 0.005,
                  f"(sum sigma_j^-2)^-1/2; {RUBIN}: 7.69 +- 4.07", "abs"),
        Reference("gene: tissues whose true protein level lies in the pushed-forward 95% "
                  "band", "gene_band_covered", band_coverage_needed(n_t), 0.0,
                  f"simulated truth; 1st percentile of Binomial({n_t}, 0.95)", "ge"),
    ]
