"""The ``multirate`` references: Verlet's stability and accuracy theory for this chain.

Every expected value follows from the chain the parameters build (its eigenvalues,
its initial modal energies), before anything is integrated.
"""

from __future__ import annotations

from scaleweave.cases.multirate.study import chain_setup
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues
from scaleweave.engines.particles.spring_chain import (
    max_frequency,
    verlet_energy_error_bound,
    verlet_growth_factor,
)

__all__ = ["ABOVE", "BELOW", "references"]

_HLW = "Hairer, Lubich & Wanner (2006), Geometric Numerical Integration, ch. I.1 & XIII.2"
#: The probe steps below and above the single-rate limit, in units of dt_crit.
BELOW, ABOVE = 0.98, 1.02


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Stability threshold, modified-energy bound, growth rate, order, energy error."""
    m, k, x0, blocks = chain_setup(p)
    omega_max = max_frequency(m, k)
    dt_crit = 2.0 / omega_max
    energy_bound = verlet_energy_error_bound(m, k, x0, p["macro_dt"])
    shadow_bound = 1.0 / (1.0 - (omega_max * (BELOW * dt_crit) / 2.0) ** 2)
    refs: list[Reference | SkippedReference] = [
        Reference("Verlet instability threshold (bisection) vs 2/omega_max [s]",
                  "dt_threshold_measured", dt_crit, 2e-3,
                  "linear stability of velocity Verlet: dt < 2/omega_max; " + _HLW),
        Reference(f"max E/E0 at {BELOW} dt_crit vs Verlet modified-energy bound",
                  "energy_ratio_below_dt_crit", shadow_bound, 0.0,
                  "modified energy of Verlet for a harmonic mode; " + _HLW, "le"),
        Reference(f"energy growth per step at {ABOVE} dt_crit vs |lambda|^2",
                  "energy_growth_above_dt_crit",
                  verlet_growth_factor(omega_max * (ABOVE * dt_crit)) ** 2, 0.01,
                  "eigenvalues of the Verlet amplification matrix; " + _HLW),
        Reference("error ratio of the two finest macro steps (asymptotic)",
                  "error_ratio_finest", 4.0, 0.05,
                  "second-order accuracy of Verlet with linear interface interpolation"),
        Reference("multi-rate max relative energy error", "energy_error_max", energy_bound, 0.0,
                  "Verlet energy error of each mode <= (omega H)^2/4, weighted by the initial "
                  "modal energies; " + _HLW, "le"),
        Reference("multi-rate energy drift (second half vs first half mean)", "energy_drift",
                  0.1 * energy_bound, 0.0,
                  "no secular drift for a symplectic-like scheme; " + _HLW, "le"),
    ]
    fast = sum(b - a for a, b, is_fast in blocks if is_fast)
    name = "single-rate Verlet at the macro step diverges"
    if p["macro_dt"] > 1.01 * dt_crit and 0 < fast < len(m):
        # A real multi-rate regime: the same macro step is fatal to single-rate Verlet.
        refs.append(Reference(f"{name}: log10 max E/E0", "single_rate_log10_growth_at_macro_dt",
                              3.0, 0.0, "dt > 2/omega_max is unstable; " + _HLW, "ge"))
    else:
        refs.append(SkippedReference(name, "the macro step is within the single-rate limit or "
                                     "no block is subcycled: not a multi-rate regime"))
    return refs
