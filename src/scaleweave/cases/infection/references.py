"""The ``infection`` references: analytic values, computed from the chosen inputs.

* The establishment probability without protection against the branching process
  it reduces to while susceptible cells are not depleted
  (:mod:`scaleweave.analytic.branching`), with ``beta`` the closed form of the
  binding QSSA; within three binomial standard errors of ``establishment_runs`` runs.
* The steady interferon around one producing cell against the point-source solution
  ``q K0(r/lambda) / (2 pi D)`` (:mod:`scaleweave.analytic.point_source`): at most 1%
  relative error for r >= 2 cells.

The QSSA epsilon of the binding is the bridge's own diagnostic (a validity entry of
the ``qssa`` model), not a reference.
"""

from __future__ import annotations

import math

from scaleweave.analytic.branching import KENDALL_1948, branching_establishment
from scaleweave.analytic.point_source import CARSLAW_JAEGER_1959
from scaleweave.bridges.reduction.binding import binding_rate
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues

__all__ = ["branching_reference", "references"]


def branching_reference(p: ParameterValues) -> tuple[float, float]:
    """The branching-process establishment probability and its tolerance
    (three binomial standard errors of ``establishment_runs`` runs)."""
    n_cells = int(p["n_side"]) ** 2
    beta = binding_rate(p["k_on"], p["k_off"], p["k_entry"])
    p_branch = branching_establishment(int(p["virions0"]), beta * n_cells, p["clearance"],
                                       p["burst_size"] / p["producing_time"],
                                       1.0 / p["producing_time"])
    n_est = int(p["establishment_runs"])
    return p_branch, 3 * math.sqrt(max(p_branch * (1 - p_branch), 1e-12) / n_est)


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Both analytic references (they apply to any inputs)."""
    p_branch, tol = branching_reference(p)
    n_est, k_est = int(p["establishment_runs"]), int(p["establishment_threshold"])
    return [
        Reference(f"establishment probability without protection ({n_est} runs, >= {k_est} "
                  f"infected) vs branching process", "establishment_probability", p_branch,
                  tol, KENDALL_1948 + "; tolerance 3 binomial SE", "abs"),
        Reference("steady interferon around one producing cell: max relative error vs "
                  "q K0(r/lambda)/(2 pi D), r >= 2 cells", "field_error_max", 0.01, 0.0,
                  CARSLAW_JAEGER_1959, "le"),
    ]
