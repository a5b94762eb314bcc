"""The ``battery`` references: a published barrier and an exact lattice-gas result.

Both follow from the parameters alone (nothing is run): which calculator the NEB
uses, and the kMC lattice's sites and carriers.
"""

from __future__ import annotations

from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues
from scaleweave.errors import ConfigError

__all__ = ["references"]

_DFT = "CHGNet Li b-channel barrier vs DFT (eV)"
_MORGAN = ("Morgan, Van der Ven & Ceder 2004, Electrochem. Solid-State Lett. 7, A30: GGA "
           "barrier 0.27 eV for Li along [010] in LiFePO4; tolerance 0.1 eV (issue 6)")
_KMC = "kMC collective diffusivity over D0 vs (N - N_c)/(N - 1)"
_SSEP = ("lattice gas with site exclusion: D_sigma = D0 (N - N_c)/(N - 1) exactly (uniform "
         "stationary state, uncorrelated centre-of-mass jumps; Kutner 1981, Phys. Lett. A 81, "
         "239); tolerance 3 standard errors")


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """The DFT barrier (CHGNet only) and the exact collective diffusivity of the kMC."""
    from scaleweave.bridges.rates.barrier import LIFEPO4_B_BARRIER_EV
    from scaleweave.cases.battery.study import carriers, lfp_li_lattice

    refs: list[Reference | SkippedReference] = []
    if p["calculator"] == "chgnet":
        refs.append(Reference(_DFT, "barrier", LIFEPO4_B_BARRIER_EV, 0.1, _MORGAN, "abs"))
    else:
        refs.append(SkippedReference(_DFT, f"calculator={p['calculator']}: the NEB is the "
                                     "Au/Al(100) test hop standing in for the Li hop"))
    n_sites = lfp_li_lattice((1, int(p["kmc_cells"]), 1)).n_sites
    try:
        n_car = carriers(p, n_sites)
    except ConfigError as exc:
        return [*refs, SkippedReference(_KMC, str(exc))]
    # A Monte Carlo estimate: the tolerance is 3 of its standard errors.
    refs.append(Reference(_KMC, "collective_diffusivity_over_d0",
                          (n_sites - n_car) / (n_sites - 1), 0.0, _SSEP, "abs", sigmas=3))
    return refs
