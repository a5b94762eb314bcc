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

__all__ = ["RUBIN", "SIGMAS", "band_coverage_needed", "exact_posterior", "references"]

RUBIN = "Rubin (1981) J. Educ. Stat. 6:377; Gelman et al. (2013) BDA3 sec. 5.5"


#: Monte Carlo standard errors a NUTS posterior mean may lie from the exact one. 4
#: rather than 3 since the MCSE is itself estimated (from the effective sample size),
#: which widens the law of the ratio: a correct run fails a comparison with
#: probability ~6e-5 (two-sided normal) instead of ~3e-3.
SIGMAS = 4.0


@functools.lru_cache(maxsize=8)
def exact_posterior(mu_loc: float, mu_scale: float, tau_scale: float) -> dict[str, float]:
    """The eight schools' ``E[mu]`` and ``E[tau]`` by quadrature, for these priors, with
    the quadrature's errors ``mu_error`` and ``tau_error``."""
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
    quad_src = ("exact posterior by quadrature over tau, theta and mu integrated out "
                f"analytically (BDA3 eq. 5.21); {RUBIN}")
    if priors == (0.0, 5.0, 5.0):
        quad_src += "; 4.40 and 3.59 for mu ~ N(0, 5), tau ~ HalfCauchy(5)"
    n_t = int(p["n_tissues"])
    # The tolerance is SIGMAS times the run's Monte Carlo standard error, floored at the
    # quadrature's own error (~1e-15 here, so the MCSE decides).
    refs = []
    for name, out in (("mu", "mu"), ("tau", "tau")):
        err = exact[f"{name}_error"]
        refs.append(Reference(
            f"eight schools E[{name}] (NUTS vs quadrature)", out, exact[name], err,
            f"{quad_src}; tolerance {SIGMAS:g} x MCSE (quadrature error {err:.1e})", "abs",
            sigmas=SIGMAS))
    return [
        *refs,
        Reference("eight schools complete pooling mean", "complete_pooling", 7.69, 0.005,
                  f"precision-weighted mean; {RUBIN}: 7.69 +- 4.07", "abs"),
        Reference("eight schools complete pooling sd", "complete_pooling_sd", 4.07, 0.005,
                  f"(sum sigma_j^-2)^-1/2; {RUBIN}: 7.69 +- 4.07", "abs"),
        Reference("gene: tissues whose true protein level lies in the pushed-forward 95% "
                  "band", "gene_band_covered", band_coverage_needed(n_t), 0.0,
                  f"simulated truth; 1st percentile of Binomial({n_t}, 0.95)", "ge"),
    ]
