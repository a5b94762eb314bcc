"""Case ``qssa``: quasi-steady-state reduction, Michaelis-Menten from mass action.

The essay's reduction of fast variables: in ``E + S <-> C -> E + P`` the enzyme and
the complex relax in about ``1 / (k1 (S0 + Km))`` while the substrate is used up over
``(S0 + Km) / Vmax``; slaving them to their quasi-steady state gives the
Michaelis-Menten rate law. The QSSA bridge reduces the full network and reports its
a-priori validity diagnostic epsilon (Segel & Slemrod 1989) next to the error it
actually makes against the full network, for any enzyme, substrate and rate
constants: at ``E0`` comparable to ``S0 + Km`` the reduction stops being valid and
both diagnostics say so.

References: epsilon against ``E0 / (S0 + Km)``; the reduced rate at ``t = 0`` against
``Vmax S0 / (Km + S0)`` (Briggs & Haldane 1925); the reduced substrate curve against
its closed form with the Lambert W function (Schnell & Mendoza 1997).
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["QSSACase"]


class QSSACase(Case):
    """Michaelis-Menten kinetics from the QSSA bridge, against the full mass-action network."""

    name = "qssa"
    title = "Quasi-steady-state reduction: Michaelis-Menten from mass action"
    summary = ("Reduction of fast variables: the enzyme network reduced by QSSA to "
               "Michaelis-Menten, epsilon next to the measured full-vs-reduced error")
    parameters = (
        Parameter("e0", 0.1, "umol/L", "total enzyme E0", low=0.0, low_open=True,
                  uncertain=True, binds=("michaelis_menten.e0",), scale="enzyme"),
        Parameter("s0", 10.0, "umol/L", "initial substrate S0", low=0.0, low_open=True,
                  uncertain=True, binds=("michaelis_menten.s0",), scale="substrate"),
        Parameter("k1", 1.0, "L/(umol*s)", "binding rate constant k1", low=0.0,
                  low_open=True, uncertain=True, binds=("michaelis_menten.k1",),
                  scale="enzyme"),
        Parameter("k_minus1", 1.0, "1/s", "unbinding rate constant k-1", low=0.0,
                  uncertain=True, binds=("michaelis_menten.k_minus1",), scale="enzyme"),
        Parameter("k2", 1.0, "1/s", "catalytic rate constant k2", low=0.0, low_open=True,
                  uncertain=True, binds=("michaelis_menten.k2",), scale="enzyme"),
        Parameter("t_end", 300.0, "s", "end of the time course", low=0.0, low_open=True,
                  binds=("michaelis_menten.t_end",)),
        Parameter("n_times", 201, "", "output times", low=2, high=100_000, integer=True),
        Parameter("eps_max", 0.1, "", "validity limit of epsilon and of the measured error",
                  low=0.0, low_open=True),
        Parameter("n_samples", 256, "", "samples when rate constants are distributions",
                  low=16, integer=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {"n_times": 101}
