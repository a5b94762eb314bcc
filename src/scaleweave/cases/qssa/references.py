"""The ``qssa`` references: Michaelis-Menten closed forms at the run's constants."""

from __future__ import annotations

import numpy as np

from scaleweave.analytic.michaelis_menten import substrate_closed_form
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues

__all__ = ["references"]

_BOUND = ("e0", "s0", "k1", "k_minus1", "k2")


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """The closed forms, at fixed constants; skipped when some are distributions."""
    given = [n for n in _BOUND if n in p.uncertain]
    if given:
        return [SkippedReference("Michaelis-Menten closed forms",
                                 f"distributions given for {', '.join(given)}: the outputs are "
                                 "sample means, the closed forms hold per sample")]
    e0, s0, k1, km1, k2 = (p[n] for n in _BOUND)
    km, vmax = (km1 + k2) / k1, k2 * e0
    n = p["n_times"]
    t_mid = np.linspace(0.0, p["t_end"], n)[n // 2]
    return [
        Reference("epsilon vs E0 / (S0 + Km)", "epsilon", e0 / (s0 + km), 1e-9,
                  "Segel & Slemrod (1989), SIAM Rev. 31, 446: the QSSA's small parameter"),
        Reference("reduced rate at t = 0 vs Vmax S0 / (Km + S0)", "initial_rate",
                  vmax * s0 / (km + s0), 1e-9,
                  "Briggs & Haldane (1925), Biochem. J. 19, 338"),
        Reference(f"reduced S(t = {t_mid:g} s) vs the Lambert-W closed form",
                  "substrate_reduced_mid", substrate_closed_form(t_mid, s0, km, vmax),
                  1e-7 * s0, "Schnell & Mendoza (1997), J. Theor. Biol. 187, 207; tolerance "
                  "1e-7 S0 from the ODE solver's (1e-10 relative)", "abs"),
    ]
