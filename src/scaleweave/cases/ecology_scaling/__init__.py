"""Case ``ecology-scaling``: data at several grains, imperfect detection, a scaling law.

Two studies of the ecology chapter, each against the truth it is simulated with or
a published value:

* **Occupancy with imperfect detection** (MacKenzie et al. 2002, Ecology 83:2248):
  ``n_sites`` sites, ``n_visits`` visits, occupancy ``psi``, detection ``p``. A
  species never seen at a site is absent or missed; the naive share of sites with a
  detection estimates ``psi [1 - (1 - p)^K]`` (0.456 for the published design), not
  ``psi`` (:mod:`scaleweave.analytic.occupancy`). The maximum-likelihood estimate
  (:mod:`scaleweave.bridges.inference.occupancy_mle`) corrects it: over seeded
  repetitions of the survey the mean of ``psi_hat`` must lie within 3 standard errors
  of ``psi``. On a nested design (quadrats in plots along the gradient) occupancy is
  fitted hierarchically by NUTS (:func:`scaleweave.bridges.inference.occupancy.fit_occupancy`):
  plot effects partially pooled, the gradient's effect on occupancy separated from
  detection.
* **Species-area scaling across grains** (Arrhenius 1921; Preston 1962): nested
  quadrats of ``n_grains`` sizes in each of ``n_plots`` plots along an environmental
  gradient, ``E[S] = c exp(b x + u_plot) A^z`` at every grain (simulated by thinning,
  :mod:`scaleweave.cases.ecology_scaling.data`). The scaling exponent ``z`` and the
  environmental effect ``b`` are estimated together, from all grains at once, by the
  hierarchical bridge (Poisson, plot effects partially pooled, covariates ``x`` and
  ``log A``).

The design (sites, visits, repetitions; plots, grains, grain sizes) is read from the
case parameters, so a TOML file (``[ecology-scaling]`` table) changes it. NUTS
convergence (R-hat, ESS, divergences) is reported as validity.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["EcologyScalingCase"]


class EcologyScalingCase(Case):
    """Detection-corrected occupancy and a species-area exponent estimated across grains."""

    name = "ecology-scaling"
    title = "Ecology across scales: imperfect detection and a scaling exponent from nested grains"
    summary = ("Ecology across grains: detection-corrected occupancy (MacKenzie 2002) and a "
               "species-area exponent from nested quadrats, design from TOML")
    parameters = (
        Parameter("n_sites", 200, "", "occupancy: sites", low=10, integer=True),
        Parameter("n_visits", 4, "", "occupancy: repeat visits", low=2, integer=True),
        Parameter("psi", 0.6, "", "occupancy probability", low=0.0, high=1.0, low_open=True,
                  scale="site"),
        Parameter("p", 0.3, "", "detection probability per visit", low=0.0, high=1.0,
                  low_open=True, scale="site"),
        Parameter("n_repeats", 200, "", "occupancy: seeded repetitions of the survey", low=10,
                  integer=True),
        Parameter("occ_plots", 30, "", "nested occupancy: plots along the gradient", low=3,
                  integer=True),
        Parameter("occ_sites_per_plot", 8, "", "nested occupancy: quadrats per plot", low=1,
                  integer=True),
        Parameter("occ_env_effect", 0.8, "", "nested occupancy: effect of the standardised "
                  "gradient on logit occupancy", scale="plot"),
        Parameter("occ_plot_sd", 0.5, "", "nested occupancy: sd of plot effects (logit)",
                  low=0.0, scale="plot"),
        Parameter("n_plots", 100, "", "scaling: plots along the gradient", low=5,
                  integer=True),
        Parameter("n_grains", 5, "", "scaling: nested quadrat sizes per plot", low=2,
                  integer=True),
        Parameter("min_grain", 1.0, "m^2", "scaling: smallest quadrat", low=0.0,
                  low_open=True, scale="quadrat"),
        Parameter("grain_factor", 4.0, "", "scaling: area ratio of nested quadrats", low=1.0,
                  low_open=True, scale="quadrat"),
        Parameter("z_true", 0.25, "", "scaling: true species-area exponent", low=0.0,
                  high=1.0, scale="quadrat"),
        Parameter("richness_c", 5.0, "", "scaling: species in 1 m^2 at the gradient mean",
                  low=0.0, low_open=True, scale="quadrat"),
        Parameter("env_effect", 0.3, "", "scaling: effect of the standardised gradient on "
                  "log richness", scale="plot"),
        Parameter("plot_sd", 0.1, "", "scaling: sd of plot effects (log scale)", low=0.0,
                  scale="plot"),
        Parameter("chains", 4, "", "NUTS chains", low=2, integer=True),
        Parameter("warmup", 1000, "", "NUTS warm-up per chain", low=10, integer=True),
        Parameter("draws", 1000, "", "NUTS draws per chain", low=10, integer=True),
    )
    quick: ClassVar[dict[str, Any]] = {}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (
        ("numpyro", "bayes"), ("jax", "bayes"), ("arviz", "bayes"))
