"""The ``battery`` studies (wiring only): the NEB, and the sampled chain it feeds.

``neb`` holds the barrier model alone (run once by the case base, through the
content-hash cache); ``battery`` is the sampled chain hop -> Arrhenius -> kMC ->
Nernst-Einstein / Fick -> PyBaMM cell, whose barrier and prefactor are
:class:`~scaleweave.cases.base.Upstream` values of ``neb``, or the values the user
gave (``barrier``, ``attempt_frequency``; with both given no NEB runs). The case
base binds the declared parameters, propagates the uncertain ones and computes the
Sobol' indices of the top-rate capacity (:func:`sampling`); :mod:`.analysis`
derives the rest.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from scaleweave.cases.base import RunContext, Sampling, Upstream
from scaleweave.core.model import Port, model_from_function
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.study import Study
from scaleweave.errors import ConfigError

__all__ = ["C_RATES", "LATTICES", "carriers", "chain_study", "check_inputs", "crystal_hop_distance",
           "field_direction", "hop_distance", "kmc_lattice", "kmc_settings", "lfp_li_lattice",
           "needs_neb", "rate_label", "sampling", "standard_kind", "studies", "study"]

#: Discharge rates of the cell (1/h), ascending; Sobol' indices are of the last one.
C_RATES = (1.0, 3.0)

#: The kMC lattices a user may choose: the crystal's Li sublattice, or a standard
#: lattice (parameter value -> name in :func:`~scaleweave.engines.lattice.sites.standard_lattice`).
LATTICES = {"crystal": "", "square": "square", "triangular": "triangular",
            "honeycomb": "honeycomb", "sc": "simple_cubic", "bcc": "bcc", "fcc": "fcc"}


def rate_label(c: float) -> str:
    """``3.0`` -> ``"3C"``, ``0.5`` -> ``"0p5C"`` (names of outputs and ports)."""
    return f"{c:g}C".replace(".", "p")


def lfp_li_lattice(repeat: tuple[int, int, int] = (1, 16, 1)) -> Any:
    """The Li sublattice of olivine LiFePO4: one-dimensional channels along b.

    Built from the same Pnma structure as the NEB hop
    (:mod:`scaleweave.materials.lifepo4`, Streltsov et al. 1993) with
    nearest-neighbour hops only (3.005 Angstrom along b; the next Li is 5.7
    Angstrom away in another channel), so every site has two neighbours.

    Parameters
    ----------
    repeat : tuple of 3 int
        Supercell of the 4-Li unit cell; ``(1, L, 1)`` gives 2 channels of ``2 L`` sites.
    """
    from scaleweave.engines.lattice.sites import lattice_from_atoms
    from scaleweave.materials.lifepo4 import lifepo4_unit_cell

    return lattice_from_atoms(lifepo4_unit_cell(), "Li", repeat=repeat)


def crystal_hop_distance() -> float:
    """The Li-Li hop of the LiFePO4 channels (m): half the b axis (3.005 Angstrom)."""
    from scaleweave.materials.lifepo4 import LIFEPO4_CELL

    return LIFEPO4_CELL[1] / 2 * 1e-10


def standard_kind(p: ParameterValues) -> str:
    """The :func:`~scaleweave.engines.lattice.sites.standard_lattice` name of the chosen
    lattice (``""`` for the crystal)."""
    return LATTICES[p["lattice"]]


def hop_distance(p: ParameterValues) -> float:
    """The kMC hop distance (m): ``hop_distance`` if given, else the crystal's 3.005 A."""
    return float(p["hop_distance"]) if p["hop_distance"] > 0 else crystal_hop_distance()


def kmc_lattice(p: ParameterValues) -> Any:
    """The kMC lattice of the run: the crystal's Li channels or a standard lattice.

    ``kmc_cells`` unit cells along b (crystal: 2 channels of ``2 kmc_cells`` sites)
    or along each periodic direction of a standard lattice, whose nearest-neighbour
    distance is :func:`hop_distance` (a 2D lattice is a layer of that thickness).

    Raises
    ------
    ConfigError
        ``hop_distance`` given with the crystal, or a supercell too small for its
        neighbours.
    """
    from scaleweave.engines.lattice.sites import standard_lattice

    cells = int(p["kmc_cells"])
    kind = standard_kind(p)
    if not kind:
        if p["hop_distance"] > 0:
            raise ConfigError(f"parameter 'hop_distance' = {p.given['hop_distance']:g} angstrom "
                              "does not apply to lattice=crystal (its hop is the crystal's own "
                              "3.005 angstrom); choose a standard lattice to set it")
        return lfp_li_lattice((1, cells, 1))
    try:
        return standard_lattice(kind, cells, hop_distance(p))
    except ConfigError as exc:
        raise ConfigError(f"parameter 'kmc_cells' = {cells} with lattice={p['lattice']}: "
                          f"{exc}") from None


def field_direction(p: ParameterValues) -> tuple[float, float, float]:
    """Direction of the drift run's field: along the channels (b) of the crystal, along x
    of a standard lattice."""
    return (0.0, 1.0, 0.0) if not standard_kind(p) else (1.0, 0.0, 0.0)


def carriers(p: ParameterValues, n_sites: int) -> int:
    """Li on the kMC lattice of ``n_sites`` sites at the site fraction ``concentration``.

    Raises
    ------
    ConfigError
        Fewer than one Li or fewer than one vacancy.
    """
    n_car = round(p["concentration"] * n_sites)
    if not 1 <= n_car <= n_sites - 1:
        raise ConfigError(f"parameter 'concentration' = {p['concentration']:g} leaves "
                          f"{n_car} Li on {n_sites} kMC sites; need 1..{n_sites - 1} "
                          "(raise kmc_cells or move the concentration into (0, 1))")
    return n_car


def kmc_settings(p: ParameterValues, n_carriers: int) -> dict[str, int]:
    """Run settings of the kMC (carriers, replicas, blocks, samples, events)."""
    n_blocks = int(p["kmc_blocks"])
    return {"n_carriers": n_carriers, "n_replicas": int(p["kmc_replicas"]),
            "n_blocks": n_blocks, "n_samples": 2 * n_blocks,
            "n_events": int(p["kmc_hops"]) * n_blocks * n_carriers}


def check_inputs(p: ParameterValues) -> None:
    """Settings that only make sense together (each alone is range-checked)."""
    if p["t_min"] >= p["t_max"]:
        raise ConfigError(f"parameter 't_min' = {p['t_min']:g} K must be below 't_max' = "
                          f"{p['t_max']:g} K")
    kmc_lattice(p)  # hop_distance with the crystal, too small a supercell
    if p["n_samples"] % 8:
        raise ConfigError(f"parameter 'n_samples' = {p['n_samples']} must be a multiple of "
                          "8 (8 independent scramblings give the Monte Carlo error)")


def chain_study(kmc: Any, device: Any, n_sites: int, n_carriers: int) -> Study:
    """The sampled part of the chain: hop -> Arrhenius -> kMC -> transport -> device.

    Study parameters (bind them): ``barrier_base`` (the NEB's or the given barrier),
    ``barrier_offset`` [eV]; ``attempt_frequency_base`` (Vineyard's or the given) [Hz],
    ``attempt_frequency_factor`` [-];
    ``temperature`` [K]; ``blocking_factor`` [-]; ``electrolyte_conductivity`` [S/m].
    """
    from scaleweave.bridges.rates.arrhenius import ArrheniusModel
    from scaleweave.bridges.rates.transport import FickDiffusivityModel, NernstEinsteinModel

    hop = model_from_function(
        lambda barrier_base, barrier_offset, attempt_frequency_base, attempt_frequency_factor: {
            "barrier": barrier_base + barrier_offset,
            "attempt_frequency": attempt_frequency_base * attempt_frequency_factor},
        inputs={"barrier_base": "eV", "barrier_offset": "eV", "attempt_frequency_base": "Hz",
                "attempt_frequency_factor": ""},
        outputs={"barrier": "eV", "attempt_frequency": "Hz"}, name="hop",
        length_scale=3e-10, time_scale=1e-13, vectorized=True)
    fick = FickDiffusivityModel(n_sites=n_sites, n_carriers=n_carriers, name="fick")
    labels = [rate_label(c) for c in device.c_rates]
    split = model_from_function(
        lambda capacity, mean_voltage: {
            **{f"capacity_{lab}": np.asarray(capacity)[..., j] for j, lab in enumerate(labels)},
            **{f"mean_voltage_{lab}": np.asarray(mean_voltage)[..., j]
               for j, lab in enumerate(labels)}},
        inputs={"capacity": Port("capacity", "A*h", None),
                "mean_voltage": Port("mean_voltage", "V", None)},
        outputs={**{f"capacity_{lab}": "A*h" for lab in labels},
                 **{f"mean_voltage_{lab}": "V" for lab in labels}},
        name="cell", length_scale=1e-2, vectorized=True)
    study = Study([hop, ArrheniusModel(name="arrhenius"), kmc,
                   NernstEinsteinModel(name="nernst_einstein"), fick, device, split])
    for src, dst in (("hop.barrier", "arrhenius.barrier"),
                     ("hop.attempt_frequency", "arrhenius.attempt_frequency"),
                     ("arrhenius.hop_rate", f"{kmc.name}.hop_rate"),
                     (f"{kmc.name}.carrier_density", "nernst_einstein.carrier_density"),
                     (f"{kmc.name}.collective_diffusivity",
                      "nernst_einstein.collective_diffusivity"),
                     (f"{kmc.name}.collective_diffusivity_err",
                      "nernst_einstein.collective_diffusivity_err"),
                     (f"{kmc.name}.collective_diffusivity", "fick.collective_diffusivity"),
                     ("fick.particle_diffusivity", f"{device.name}.diffusivity"),
                     (f"{device.name}.capacity", "cell.capacity"),
                     (f"{device.name}.mean_voltage", "cell.mean_voltage")):
        study.connect(src, dst)
    return study


def needs_neb(p: ParameterValues) -> bool:
    """Whether the NEB runs: unless both the barrier and the attempt frequency are given."""
    return not (p["barrier"] > 0 and p["attempt_frequency"] > 0)


def studies(p: ParameterValues, *, quick: bool, seed: int) -> dict[str, Study]:
    """``neb`` (the barrier, run once; absent when ``barrier`` and ``attempt_frequency``
    are both given) and ``battery`` (the chain it feeds, sampled).

    Parameters
    ----------
    p : ParameterValues
    quick : bool
        The cell's coarse PyBaMM mesh.
    seed : int
        Seed of the kMC (the model is deterministic given it).
    """
    from scaleweave.adapters.pybamm_device import DeviceModel
    from scaleweave.engines.lattice.kmc_model import KMCModel

    check_inputs(p)
    built: dict[str, Study] = {}
    if needs_neb(p):
        from scaleweave.bridges.rates.barrier import (
            BarrierModel,
            NEBSettings,
            au_al100_adatom_hop,
            lifepo4_b_channel_hop,
        )

        calc = p["calculator"]
        hop = lifepo4_b_channel_hop() if calc == "chgnet" else au_al100_adatom_hop()
        settings = NEBSettings(n_images=int(p["neb_images"]), fmax=float(p.given["neb_fmax"]),
                               max_steps=int(p["neb_max_steps"]))
        built["neb"] = Study([BarrierModel(path=hop, calculator=calc, settings=settings,
                                           name="barrier")])
    lattice = kmc_lattice(p)
    n_car = carriers(p, lattice.n_sites)
    kmc = KMCModel(lattice=lattice, seed=seed, name="kmc", **kmc_settings(p, n_car))
    device = DeviceModel(parameter_set="Prada2013", model="SPMe", c_rates=C_RATES,
                         conductivity_mode="scale", diffusivity_target="positive particle",
                         quick=quick, name="device")
    chain = chain_study(kmc, device, lattice.n_sites, n_car)
    for name, given, port in (("barrier", "barrier_base", "barrier.barrier"),
                              ("attempt_frequency", "attempt_frequency_base",
                               "barrier.attempt_frequency")):
        value = p.quantity(name) if p[name] > 0 else Upstream("neb", port)
        chain.bind(given, f"hop.{given}", value=value)
    built["battery"] = chain
    return built


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Study]:
    """The case's studies (the NEB if it runs, then the chain) at the run's settings."""
    return studies(p, quick=ctx.quick, seed=ctx.seed)


def sampling(label: str, p: ParameterValues) -> Sampling:
    """``n_samples`` scrambled Sobol' points; Sobol' indices of the top-rate capacity."""
    top = rate_label(C_RATES[-1])
    return Sampling(n=int(p["n_samples"]), sobol={f"capacity_{top}": f"cell.capacity_{top}"},
                    n_base=int(p["n_base"]))
