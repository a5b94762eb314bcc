"""The ``ecology-scaling`` references: MacKenzie et al. (2002) and the simulation's truth.

Every expected value is known before the run: the occupancy ``psi`` and the naive
expectation ``psi [1 - (1 - p)^K]`` the seeded surveys are drawn with (tolerance: 3
Monte Carlo standard errors of the mean over the surveys), the published 0.456 of
MacKenzie et al.'s design, and the gradient effects and scaling exponent the nested
designs are simulated with (inside the posterior's 95% interval, or within 0.02).
"""

from __future__ import annotations

from scaleweave.analytic.occupancy import naive_occupancy
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues

__all__ = ["MACKENZIE", "PUBLISHED_DESIGN", "references"]

MACKENZIE = "MacKenzie et al. (2002) Ecology 83:2248"
#: MacKenzie et al. (2002)'s design: visits K, occupancy psi, detection p.
PUBLISHED_DESIGN = (4, 0.6, 0.3)


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """The occupancy and scaling references for the inputs ``p``."""
    k, psi, det = int(p["n_visits"]), p["psi"], p["p"]
    reps = int(p["n_repeats"])
    refs: list[Reference | SkippedReference] = [
        Reference(f"occupancy: mean psi-hat over {reps} seeded surveys", "psi_hat_mean", psi,
                  0.0, f"{MACKENZIE}; tolerance 3 standard errors of the mean", "abs",
                  sigmas=3),
        Reference("occupancy: mean naive estimate vs psi [1 - (1 - p)^K]", "naive_mean",
                  naive_occupancy(psi, det, k), 0.0,
                  f"{MACKENZIE}; tolerance 3 standard errors", "abs", sigmas=3),
    ]
    if (k, psi, det) == PUBLISHED_DESIGN:
        refs.append(Reference("occupancy: naive expectation of the published design",
                              "naive_expected", 0.456, 5e-4, MACKENZIE, "abs"))
    else:
        refs.append(SkippedReference("occupancy: naive expectation of the published design",
                                     "the published value 0.456 is for K = 4 visits, "
                                     "psi = 0.6, p = 0.3"))
    refs += [
        Reference("nested occupancy: true gradient effect inside the 95% credible interval",
                  "occ_gradient_effect", p["occ_env_effect"], 0.0,
                  "simulation truth; sites nested in plots, plot effects partially pooled, "
                  f"detection summed out ({MACKENZIE})", "abs", interval=True),
        Reference("scaling exponent z from all grains", "z", p["z_true"], 0.02,
                  "simulated nested quadrats (Arrhenius 1921; Preston 1962: z ~ 0.25); "
                  "tolerance 0.02", "abs"),
        Reference("environmental effect: true value inside the 95% credible interval",
                  "env_effect", p["env_effect"], 0.0, "simulation truth", "abs",
                  interval=True),
    ]
    return refs
