"""Case ``uq-demo``: a prediction with error bars, with the two kinds of uncertainty apart.

Three small studies run through the same machinery any case uses (study graph,
uncertain parameters, propagation, Sobol' indices), each against an exact answer:

* **Ishigami** (aleatory): ``y = sin x1 (1 + b x3^4) + a sin^2 x2`` split over two
  "scales", an atomistic model (x1, x3) and a mesoscale one (x2), joined in a
  macroscale sum. Its mean, variance and Sobol' indices are known in closed form
  (Ishigami & Homma 1990; Sobol' 2001), per parameter and per scale.
* **p-box** (aleatory inside epistemic): ``X = mu + Z``, ``Z ~ N(0, 1)`` aleatory and
  ``mu`` only known to lie in an interval: the exceedance probability ``P(X > t)``
  is an interval, drawn as a p-box (lower and upper CDF), not one blurred curve.
* **Oberkampf challenge** (intervals): ``y = (a + b)^a`` over an interval box
  (Oberkampf et al. 2004): the output is an interval whose lower end is interior.

Every parameter can be changed, including its distribution
(``--set 'x2=normal(0, 1) aleatory'``); the closed-form references are checked
where they apply to the chosen inputs and listed as skipped (with the reason) where
they do not.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["UQDemo"]

_UNIFORM_PI = "uniform(-pi, pi) aleatory"


class UQDemo(Case):
    """Distributions, p-boxes, intervals and per-scale Sobol' indices through study graphs."""

    name = "uq-demo"
    title = "Uncertainty through the scales: distributions, p-boxes, intervals, Sobol' indices"
    summary = (
        "Error bars through the scales: Ishigami distribution and per-scale Sobol' indices, "
        "a p-box, an interval (exact answers)"
    )
    parameters = (
        Parameter("x1", _UNIFORM_PI, "rad", "Ishigami input at the atomistic scale",
                  uncertain=True, binds=("atom.x1",), scale="atom"),
        Parameter("x2", _UNIFORM_PI, "rad", "Ishigami input at the mesoscale", uncertain=True,
                  binds=("meso.x2",), scale="meso"),
        Parameter("x3", _UNIFORM_PI, "", "Ishigami input at the atomistic scale",
                  uncertain=True, binds=("atom.x3",), scale="atom"),
        Parameter("a", 7.0, "", "Ishigami coefficient a (of the mesoscale model)",
                  scale="meso"),
        Parameter("b", 0.1, "", "Ishigami coefficient b (of the atomistic model)",
                  scale="atom"),
        Parameter("mu", "interval(0, 1)", "", "location of X (epistemic)", uncertain=True,
                  binds=("tail.mu",)),
        Parameter("z", "normal(0, 1) aleatory", "", "variability of X (aleatory)",
                  uncertain=True, binds=("tail.z",)),
        Parameter("threshold", 2.0, "", "exceedance threshold t in P(X > t)"),
        Parameter("ob_a", "interval(0.1, 1)", "", "challenge input a", low=0.0, low_open=True,
                  uncertain=True, binds=("challenge.a",)),
        Parameter("ob_b", "interval(0, 1)", "", "challenge input b", low=0.0, uncertain=True,
                  binds=("challenge.b",)),
        Parameter("n_samples", 16384, "", "samples of the single loop (power of 2)", low=16,
                  integer=True),
        Parameter("n_base", 8192, "", "Sobol' base sample size N (power of 2)", low=64,
                  integer=True),
        Parameter("n_outer", 32, "", "epistemic (outer) samples of the double loop", low=2,
                  integer=True),
        Parameter("n_inner", 16384, "", "aleatory (inner) samples of the double loop",
                  low=16, integer=True),
        Parameter("coverage_repeats", 200, "", "repetitions of the error-bar coverage check",
                  low=0, integer=True),
        Parameter("method", "qmc", "", "sampler of single and inner loops",
                  choices=("qmc", "mc")),
        Parameter("surrogate_order", 10, "", "polynomial order of the atomistic surrogate",
                  low=1, high=20, integer=True),
        Parameter("surrogate_points", 1024, "", "training runs of the atomistic surrogate",
                  low=16, integer=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("SALib", "uq"),)
