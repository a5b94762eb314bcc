"""The ``battery`` references: a published barrier, closed forms at the run's own inputs,
exact lattice-gas results and the tracer correlation factor of the chosen lattice.

All follow from the parameters alone (nothing is run): the calculator, the barrier
and attempt frequency when given, the temperature, and the kMC lattice (kind, hop
distance, supercell, carriers). Closed forms are computed here from first
principles, not through the bridges they check.
"""

from __future__ import annotations

import math

from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.constants import BOLTZMANN
from scaleweave.core.parameters import ParameterValues
from scaleweave.errors import ConfigError

__all__ = ["references"]

_DFT = "CHGNet Li b-channel barrier vs DFT (eV)"
_MORGAN = ("Morgan, Van der Ven & Ceder 2004, Electrochem. Solid-State Lett. 7, A30: GGA "
           "barrier 0.27 eV for Li along [010] in LiFePO4; tolerance 0.1 eV (issue 6)")
_RATE = "Arrhenius hop rate vs nu0 exp(-Ea/kT) at the run's nu0, Ea and T (1/s)"
_RATE_SRC = ("harmonic transition-state theory, Gamma = nu0 exp(-Ea/(kB T)) (Arrhenius 1889; "
             "Vineyard 1957, J. Phys. Chem. Solids 3, 121) at the given attempt frequency x "
             "the median factor, the given barrier + the median offset, and the temperature; "
             "floating-point tolerance")
_D0 = "kMC lone-carrier D0 vs the random walk z Gamma a^2/(2d) (m^2/s)"
_D0_RATE = "kMC lone-carrier D0 per hop rate vs z a^2/(2d) (m^2)"
_D0_SRC = ("uncorrelated random walk with z hop paths of rate Gamma and length a in d "
           "dimensions: D0 = z Gamma a^2/(2d) (Einstein 1905), with z, a and d of the chosen "
           "lattice{rate}; floating-point tolerance")
_KMC = "kMC collective diffusivity over D0 vs (N - N_c)/(N - 1)"
_SSEP = ("lattice gas with site exclusion: D_sigma = D0 (N - N_c)/(N - 1) exactly (uniform "
         "stationary state, uncorrelated centre-of-mass jumps; Kutner 1981, Phys. Lett. A 81, "
         "239); tolerance 3 standard errors")
_F_VAC = "tracer correlation factor, one vacancy, vs the exact value of the lattice"
_F_LONE = "kMC tracer correlation factor of the carriers vs its lattice-gas limit"
#: Coordination and dimension of the crystal's Li sublattice: channels along b.
_CRYSTAL_Z, _CRYSTAL_DIM = 2, 3
#: Sites per unit cell of each lattice choice, and its dimension.
_BASIS = {"crystal": (4, 3), "square": (1, 2), "triangular": (1, 2), "honeycomb": (2, 2),
          "sc": (1, 3), "bcc": (2, 3), "fcc": (4, 3)}


def _n_sites(p: ParameterValues) -> int:
    """Sites of the kMC supercell: 4 Li per olivine cell (``kmc_cells`` along b), or the
    basis of a standard lattice times ``kmc_cells^d``."""
    per_cell, dim = _BASIS[p["lattice"]]
    cells = int(p["kmc_cells"])
    return per_cell * (cells if p["lattice"] == "crystal" else cells**dim)


def _rate_references(p: ParameterValues, geometry: tuple[int, float, int]
                     ) -> list[Reference | SkippedReference]:
    """The Arrhenius rate and D0 at the run's own inputs (both given), or D0 per hop rate."""
    from scaleweave.analytic.correlation import lone_carrier_diffusivity

    z, a, dim = geometry
    per_rate = lone_carrier_diffusivity(1.0, z, a, dim)  # m^2 per (1/s)
    if p["barrier"] > 0 and p["attempt_frequency"] > 0:
        ea = p["barrier"] + p["barrier_offset"]  # J; nominal (median) offset
        nu0 = p["attempt_frequency"] * p["attempt_frequency_factor"]
        gamma = nu0 * math.exp(-ea / (BOLTZMANN * p["temperature"]))
        return [Reference(_RATE, "hop_rate", gamma, 1e-9, _RATE_SRC, "rel"),
                Reference(_D0, "uncorrelated_diffusivity",
                          lone_carrier_diffusivity(gamma, z, a, dim), 1e-9,
                          _D0_SRC.format(rate=" and Gamma the closed-form rate above"), "rel")]
    missing = " and ".join(n for n in ("barrier", "attempt_frequency") if not p[n] > 0)
    reason = (f"{missing} not given: the rate follows from this run's NEB, so its closed "
              "form is not known before the run (give barrier= and attempt_frequency= to "
              "check it)")
    return [SkippedReference(_RATE, reason), SkippedReference(_D0, reason),
            Reference(_D0_RATE, "uncorrelated_diffusivity_per_hop_rate", per_rate, 1e-9,
                      _D0_SRC.format(rate=" (independent of the rate)"), "rel")]


def _correlation_references(p: ParameterValues, n_sites: int, n_car: int | None
                            ) -> list[Reference | SkippedReference]:
    """The lattice's one-vacancy correlation factor, and the carriers' at the run's c."""
    from scaleweave.analytic.correlation import (
        VACANCY_CORRELATION_SOURCE,
        vacancy_correlation_factor,
    )
    from scaleweave.cases.battery.study import standard_kind

    kind = standard_kind(p)
    refs: list[Reference | SkippedReference] = []
    if kind:
        f0 = vacancy_correlation_factor(kind)
        refs.append(Reference(_F_VAC, "correlation_factor_one_vacancy", f0, 0.0,
                              f"{VACANCY_CORRELATION_SOURCE}; one vacancy on a ~4000-site "
                              "supercell (finite-size shift ~1/N below the error); tolerance "
                              "3 standard errors", "abs", sigmas=3))
    else:
        refs.append(SkippedReference(_F_VAC, "lattice=crystal: the Li channels are "
                                     "one-dimensional (single file), where f = 0 for an "
                                     "infinite channel and a finite channel's value depends on "
                                     "its length and the block length; no lattice constant"))
    if n_car == 1:
        refs.append(Reference(_F_LONE, "correlation_factor", 1.0, 0.0,
                              "a lone carrier is an uncorrelated random walk: f = 1 exactly "
                              "(the c -> 0 limit of the lattice gas); tolerance 3 standard "
                              "errors", "abs", sigmas=3))
    elif n_car is not None:
        limit = (f"{vacancy_correlation_factor(kind):.5f} (one vacancy)" if kind
                 else "0 (one vacancy in an infinite single-file channel)")
        refs.append(SkippedReference(_F_LONE, f"{n_car} carriers on {n_sites} sites: the "
                                     "tracer correlation factor of a lattice gas has no exact "
                                     f"value between its limits, 1 (one carrier) and {limit}"))
    return refs


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """The DFT barrier (CHGNet NEB only), the rate and D0 closed forms, the exact
    collective diffusivity of the kMC and the tracer correlation factor."""
    from scaleweave.bridges.rates.barrier import LIFEPO4_B_BARRIER_EV
    from scaleweave.cases.battery.study import carriers, hop_distance, standard_kind

    refs: list[Reference | SkippedReference] = []
    if p["barrier"] > 0:
        refs.append(SkippedReference(_DFT, f"barrier = {p.given['barrier']:g} eV given: it "
                                     "replaces the NEB's"))
    elif p["calculator"] == "chgnet":
        refs.append(Reference(_DFT, "barrier", LIFEPO4_B_BARRIER_EV, 0.1, _MORGAN, "abs"))
    else:
        refs.append(SkippedReference(_DFT, f"calculator={p['calculator']}: the NEB is the "
                                     "Au/Al(100) test hop standing in for the Li hop"))
    kind = standard_kind(p)
    if kind:
        from scaleweave.engines.lattice.sites import STANDARD_LATTICES

        geometry = (STANDARD_LATTICES[kind], hop_distance(p), _BASIS[p["lattice"]][1])
    else:
        geometry = (_CRYSTAL_Z, hop_distance(p), _CRYSTAL_DIM)
    refs += _rate_references(p, geometry)
    n_sites = _n_sites(p)
    try:
        n_car: int | None = carriers(p, n_sites)
    except ConfigError as exc:
        n_car = None
        refs.append(SkippedReference(_KMC, str(exc)))
    if n_car is not None:
        # A Monte Carlo estimate: the tolerance is 3 of its standard errors.
        refs.append(Reference(_KMC, "collective_diffusivity_over_d0",
                              (n_sites - n_car) / (n_sites - 1), 0.0, _SSEP, "abs", sigmas=3))
    return refs + _correlation_references(p, n_sites, n_car)
