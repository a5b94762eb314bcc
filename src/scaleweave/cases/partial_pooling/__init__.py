"""Case ``partial-pooling``: the top-down bridge, calibrated hierarchically and pushed forward.

Two studies on :mod:`scaleweave.bridges.inference.hierarchical`:

* **Eight schools** (Rubin 1981, J. Educ. Stat. 6:377; Gelman et al. 2013, BDA3
  sec. 5.5): coaching effects ``y_j`` with known standard errors ``sigma_j``,
  ``y_j ~ N(theta_j, sigma_j)``, ``theta_j ~ N(mu, tau)``, ``mu ~ N(0, 5)``,
  ``tau ~ HalfCauchy(5)``. The posterior means of ``mu`` and ``tau`` are exact by
  quadrature over ``tau`` on a grid sized from the posterior, with its own error
  (:mod:`scaleweave.analytic.eight_schools`): ``E[mu] = 4.40``, ``E[tau] = 3.59``;
  NUTS's means must lie within 4 Monte Carlo standard errors of them. The data carry
  little information per school, so the bridge chooses the non-centred form and NUTS
  runs without divergences; the centred form is run beside it and its divergences
  are reported as validity marked as a deliberate counter-example (not a failure).
  Complete pooling is the precision-weighted mean ``7.69 +- 4.07``.
* **Gene activity across tissues**: per-tissue transcription rates ``k_t`` (1/s)
  calibrated from seeded single-cell mRNA counts
  (:func:`~scaleweave.cases.partial_pooling.data.simulate_expression`): a Poisson
  model with log link and exposure ``e / delta_m`` (s), with ``log k_t`` hierarchical
  by tissue. Tissues have very different numbers of cells. The posterior of ``k_t``
  flows through the case's study (transcription -> translation) into the protein
  steady state ``P* = k_tl (k_t / delta_m) / delta_p`` per tissue, one study
  evaluation per posterior draw, so the prediction carries the calibration's
  uncertainty. No, complete and partial pooling are compared on held-out cells.

The posterior draws (InferenceData groups ``posterior`` and ``sample_stats``) are
kept in ``result.nc`` as ``schools_*``, ``schools_centred_*`` and ``gene_*``, and as
ArviZ netCDF files ``posterior_*.nc`` beside it.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["PartialPoolingCase"]


class PartialPoolingCase(Case):
    """Eight schools and per-tissue gene activity: hierarchical calibration pushed forward."""

    name = "partial-pooling"
    title = "Top-down bridge: hierarchical partial pooling, calibration pushed forward"
    summary = ("Top-down bridge: hierarchical partial pooling (eight schools, per-tissue gene "
               "activity) pushed forward with its posterior")
    parameters = (
        Parameter("chains", 4, "", "NUTS chains", low=2, integer=True),
        Parameter("warmup", 1000, "", "NUTS warm-up iterations per chain", low=10,
                  integer=True),
        Parameter("draws", 2000, "", "NUTS kept draws per chain", low=10, integer=True),
        Parameter("mu_prior_loc", 0.0, "", "eight schools: mean of the N prior of mu"),
        Parameter("mu_prior_scale", 5.0, "", "eight schools: sd of the N prior of mu",
                  low=0.0, low_open=True),
        Parameter("tau_prior_scale", 5.0, "", "eight schools: scale of the half-Cauchy prior "
                  "of tau", low=0.0, low_open=True),
        Parameter("parameterisation", "auto", "", "eight schools: centring of the school "
                  "level", choices=("auto", "centred", "non-centred")),
        Parameter("n_tissues", 12, "", "gene study: tissues", low=3, integer=True),
        Parameter("min_cells", 1, "", "gene study: fewest cells in a tissue", low=1,
                  integer=True),
        Parameter("max_cells", 40, "", "gene study: most cells in a tissue", low=1,
                  integer=True),
        Parameter("heldout_cells", 30, "", "gene study: held-out cells per tissue", low=1,
                  integer=True),
        Parameter("k_tx_median", 1e-3, "1/s", "gene study: median transcription rate",
                  low=0.0, low_open=True, scale="cell"),
        Parameter("tau_true", 0.6, "", "gene study: sd of log k_tx across tissues", low=0.0,
                  scale="tissue"),
        Parameter("capture", 0.3, "", "gene study: mRNA capture efficiency", low=0.0,
                  high=1.0, low_open=True, scale="cell"),
        Parameter("mrna_half_life", 2.0, "h", "mRNA half-life", low=0.0, low_open=True,
                  scale="cell"),
        Parameter("protein_half_life", 24.0, "h", "protein half-life", low=0.0,
                  low_open=True, scale="cell"),
        Parameter("k_tl", 0.01, "1/s", "translation rate per mRNA", low=0.0, low_open=True,
                  binds=("translation.k_tl",), scale="cell"),
        Parameter("push_draws", 1000, "", "posterior draws pushed through the study", low=10,
                  integer=True),
    )
    quick: ClassVar[dict[str, Any]] = {"warmup": 1000, "draws": 2000, "push_draws": 500}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (
        ("numpyro", "bayes"), ("jax", "bayes"), ("arviz", "bayes"))
