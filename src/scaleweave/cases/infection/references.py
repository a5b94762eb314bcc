"""The ``infection`` references: analytic values, computed from the chosen inputs.

* The establishment probability without protection -- the share of runs in which at
  least ``establishment_threshold`` cells are ever infected -- against the exact
  probability of that same event, the first passage of the embedded jump chain to
  that many infected cells (:func:`scaleweave.analytic.branching.threshold_probability`,
  susceptible cells used up), with ``beta`` the closed form of the binding QSSA;
  within three binomial standard errors of ``establishment_runs`` runs. (The branching
  process's long-run survival probability is not that event: near ``R0 = 1`` a
  subcritical infection still reaches the threshold now and then.)
* The steady interferon around one producing cell against the point-source solution
  of the field's dimension (:mod:`scaleweave.analytic.point_source`): at most 1%
  relative error for r >= 2 cells; ``q K0(r/lambda) / (2 pi D)`` on the sheet (2D),
  ``q exp(-r/lambda) / (4 pi D r)`` mirrored in the medium's walls (3D).

The QSSA epsilon of the binding is the bridge's own diagnostic (a validity entry of
the ``qssa`` model), not a reference.
"""

from __future__ import annotations

import math

from scaleweave.analytic.branching import THRESHOLD_PASSAGE, threshold_probability
from scaleweave.analytic.point_source import CARSLAW_JAEGER_1959, CARSLAW_JAEGER_1959_3D
from scaleweave.bridges.reduction.binding import binding_rate
from scaleweave.cases.infection.field import three_d
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues

__all__ = ["establishment_reference", "references"]


def establishment_reference(p: ParameterValues) -> tuple[float, float]:
    """The exact probability that ``establishment_threshold`` cells are ever infected
    without protection, and its tolerance (three binomial standard errors of
    ``establishment_runs`` runs)."""
    n_cells = int(p["n_side"]) ** 2
    beta = binding_rate(p["k_on"], p["k_off"], p["k_entry"])
    death = 1.0 / p["producing_time"]
    p_exact = threshold_probability(int(p["virions0"]), int(p["establishment_threshold"]),
                                    beta * n_cells, p["clearance"], p["burst_size"] * death,
                                    death, n_cells)
    n_est = int(p["establishment_runs"])
    return p_exact, 3 * math.sqrt(max(p_exact * (1 - p_exact), 1e-12) / n_est)


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Both analytic references (they apply to any inputs)."""
    p_exact, tol = establishment_reference(p)
    n_est, k_est = int(p["establishment_runs"]), int(p["establishment_threshold"])
    if three_d(p):
        field = Reference("steady interferon above one producing cell (3D medium): max "
                          "relative error vs q exp(-r/lambda)/(4 pi D r) and its images in "
                          "the zero-flux walls, r >= 2 cells", "field_error_max", 0.01, 0.0,
                          CARSLAW_JAEGER_1959_3D, "le")
    else:
        field = Reference("steady interferon around one producing cell: max relative error "
                          "vs q K0(r/lambda)/(2 pi D), r >= 2 cells", "field_error_max", 0.01,
                          0.0, CARSLAW_JAEGER_1959, "le")
    return [
        Reference(f"establishment probability without protection ({n_est} runs, >= {k_est} "
                  f"cells ever infected) vs its exact first-passage probability",
                  "establishment_probability", p_exact, tol,
                  THRESHOLD_PASSAGE + "; tolerance 3 binomial SE", "abs"),
        field,
    ]
