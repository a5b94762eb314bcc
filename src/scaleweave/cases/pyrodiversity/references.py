"""The ``pyrodiversity`` references: the simulation's truth, recovered over the replicate
landscapes (Stuber et al. 2017's latent-indicator scale selection).

Each is a rate over ``n_replicates`` seeded landscapes against a nominal rate known
before the run. NUTS convergence over the replicates is validity.
"""

from __future__ import annotations

import math

from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues

__all__ = ["coverage_tolerance", "references"]


def coverage_tolerance(n_replicates: int) -> float:
    """3 standard deviations of a binomial proportion at the nominal 0.95: the slack
    the coverage check allows for finitely many replicates."""
    return 3 * math.sqrt(0.95 * 0.05 / n_replicates)


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Scale recovery, interval coverage and sign of the effect, for the inputs ``p``."""
    n_rep = int(p["n_replicates"])
    # Recovery and sign are the method's pass criteria over the seeded landscapes (issue
    # 7: >= 90%), not estimates of a known value, so their slack is the criterion; the
    # coverage is an estimate of the nominal 0.95, so its slack is the binomial error
    # of n_replicates landscapes.
    return [
        Reference(f"true scale recovered in >= 90% of {n_rep} landscapes", "recovery_rate",
                  0.9, 0.0, "issue criterion: >= 90% of seeded replicate landscapes; "
                  "latent-indicator scale selection (Stuber et al. 2017)", "ge"),
        Reference(f"effect's 95% interval covers the truth ({n_rep} landscapes)",
                  "effect_coverage", 0.95, coverage_tolerance(n_rep),
                  "calibrated posterior: nominal coverage 0.95, 3 binomial SD slack", "ge"),
        Reference(f"effect's sign resolved ({n_rep} landscapes)", "effect_sign_rate", 0.9,
                  0.0, "95% interval excludes zero on the true side", "ge"),
    ]
