"""The ``multirate`` references: Verlet's stability and accuracy theory for this chain.

Every expected value follows from the chain and the pulse the parameters build (its
eigenvalues, the multi-rate scheme's one-step map), before anything is integrated.
"""

from __future__ import annotations

from scaleweave.cases.multirate.study import MAP_MAX_MASSES, chain_setup, energy_bound
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues
from scaleweave.engines.particles.spring_chain import max_frequency, verlet_growth_factor

__all__ = ["ABOVE", "BELOW", "references"]

_HLW = "Hairer, Lubich & Wanner (2006), Geometric Numerical Integration, ch. I.1 & XIII.2"
#: The probe steps below and above the single-rate limit, in units of dt_crit.
BELOW, ABOVE = 0.98, 1.02
_BOUND = ("energy of the multi-rate scheme actually integrated (every block with its own "
          "step, interfaces as coupled): E_n within D +- S of the eigen-decomposition of its "
          "one-step map; in the single-rate limit Verlet's modal bound (omega H)^2/4; ")


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Stability threshold, modified-energy bound, growth rate, order, energy error."""
    m, k, _, blocks = chain_setup(p)
    omega_max = max_frequency(m, k)
    dt_crit = 2.0 / omega_max
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
    ]
    bound = energy_bound(p)
    energy = "multi-rate max relative energy error"
    drift = "multi-rate energy drift (second half vs first half mean)"
    if bound is None:
        why = (f"{p['n_masses']} masses: the one-step map (2n x 2n) is eigen-decomposed only "
               f"up to {MAP_MAX_MASSES} masses")
        refs += [SkippedReference(energy, why), SkippedReference(drift, why)]
    else:
        refs += [
            Reference(energy, "energy_error_max", bound[0], 0.0, _BOUND + _HLW, "le"),
            Reference(drift, "energy_drift", 0.1 * bound[0], 0.0,
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
