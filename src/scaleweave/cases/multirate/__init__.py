"""Case ``multirate``: tiny steps where things are fast, large ones elsewhere.

The essay's crack: bonds at the tip vibrate far faster than the medium around it,
and an explicit integrator with one step everywhere must resolve the fastest motion.
Here a chain of ``n_masses`` equal masses between fixed walls has springs of
stiffness ``spring_constant`` except a central block (``stiff_fraction`` of the
springs) that is ``stiffness_ratio`` times stiffer. A displacement pulse starts at
rest (by default smooth, in the soft part a quarter along the chain) and runs through
the stiff block: ``pulse_shape`` (``gaussian`` ``exp(-u^2)``, ``sech`` ``1/cosh(u)``,
``triangle`` ``max(0, 1 - |u|)``, ``packet`` ``exp(-u^2) cos(2 pi (i - c) /
pulse_wavelength)``), ``u = (i - c) / pulse_width`` with ``c = pulse_centre n``, times
``pulse_amplitude``. Every reference follows the pulse (the exact solution and the
energy bound are computed from it).

The case proves the multi-rate coupler against the exact normal-mode solution:

* velocity Verlet's single-rate limit ``dt_crit = 2 / omega_max`` from the
  eigenvalues, the measured threshold where it really goes unstable (bisection),
  the bounded energy just below it and the exact growth rate just above it;
* the multi-rate scheme (stiff block subcycled ``substeps`` times inside each macro
  step, slow boundary displacements interpolated linearly) stays stable at a macro
  step far above ``dt_crit``, converges at second order, and keeps its energy within
  the bound of the scheme actually integrated (every block with its own step; from
  the eigen-decomposition of the scheme's one-step map,
  :func:`~scaleweave.bridges.timestepping.multirate.multirate_energy_bound`);
* its cost in mass updates against single-rate Verlet at equal (or better) error.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["MultirateChainCase"]


class MultirateChainCase(Case):
    """Single-rate vs multi-rate velocity Verlet on a chain with a stiff block."""

    name = "multirate"
    title = "Multi-rate time stepping: a chain with a stiff block"
    summary = ("Crack-tip time scales: a spring chain with a stiff block, single-rate vs "
               "multi-rate velocity Verlet")
    parameters = (
        Parameter("n_masses", 100, "", "number of masses", low=3, high=1_000_000, integer=True,
                  scale="chain"),
        Parameter("stiff_fraction", 0.1, "", "fraction of springs in the stiff block",
                  low=0.0, high=1.0, scale="crack tip"),
        Parameter("stiffness_ratio", 100.0, "", "stiff/soft spring ratio", low=0.0,
                  low_open=True, scale="crack tip"),
        Parameter("mass", 1.0, "kg", "mass of each particle", low=0.0, low_open=True,
                  scale="chain"),
        Parameter("spring_constant", 1.0, "N/m", "soft spring stiffness", low=0.0,
                  low_open=True, scale="chain"),
        Parameter("macro_dt", 0.5, "s", "multi-rate macro step", low=0.0, low_open=True),
        Parameter("substeps", 10, "", "stiff-block substeps per macro step", low=1,
                  high=100_000, integer=True),
        Parameter("t_end", 100.0, "s", "simulated time", low=0.0, low_open=True),
        Parameter("pulse_shape", "gaussian", "", "initial pulse shape",
                  choices=("gaussian", "sech", "triangle", "packet"), scale="chain"),
        Parameter("pulse_centre", 0.25, "", "initial pulse centre (fraction of the chain)",
                  low=0.0, high=1.0, scale="chain"),
        Parameter("pulse_width", 6.0, "", "initial pulse width (in masses)", low=0.5,
                  scale="chain"),
        Parameter("pulse_amplitude", 1.0, "m", "initial pulse amplitude (peak displacement)",
                  low=0.0, low_open=True, scale="chain"),
        Parameter("pulse_wavelength", 8.0, "", "carrier wavelength of the 'packet' shape "
                  "(in masses)", low=2.0, scale="chain"),
    )
    quick: ClassVar[dict[str, Any]] = {"t_end": 60.0}
