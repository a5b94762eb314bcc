"""Case ``battery``: hop barrier -> Arrhenius -> lattice kMC -> conductivity -> PyBaMM cell.

The essay's materials chain through one study graph, with the atomistic barrier's
uncertainty carried to a device prediction and the electric field applied at one
scale only.

Chain
-----
1. **Barrier** (:class:`~scaleweave.bridges.rates.barrier.BarrierModel`): climbing-image
   NEB of a Li vacancy hop along the [010] (b-axis) channel of olivine LiFePO4
   (:func:`~scaleweave.bridges.rates.barrier.lifepo4_b_channel_hop`) with the pretrained
   universal potential CHGNet (default), and the Vineyard attempt frequency of the
   hopping Li. ``calculator=emt`` swaps in ASE's fast EMT test hop (an Au adatom on
   Al(100); EMT has no Li parameters): its barrier then stands in for the Li hop,
   so every downstream number is a plumbing test, not LiFePO4's. The NEB runs once,
   outside the sampled part, through the content-hash cache (``OUT/.cache``).
2. **Arrhenius** (:class:`~scaleweave.bridges.rates.arrhenius.ArrheniusModel`):
   ``Gamma = nu0 exp(-(Ea + dEa) / kT)`` per hop path, with the epistemic barrier
   offset ``dEa`` (calculator error, +-0.05 eV at 95%) and a factor on the harmonic
   prefactor.
3. **kMC** (:class:`~scaleweave.engines.lattice.kmc.KMCModel`) on the Li sublattice read from
   the olivine structure (:func:`~scaleweave.engines.lattice.sites.lattice_from_atoms`):
   nearest Li-Li neighbours are 3.005 Angstrom apart along b, the next ones 5.7
   Angstrom across channels, so the lattice is one-dimensional channels (z = 2).
   Carriers (Li, site fraction ``concentration``) block each other. The kMC runs
   once per temperature at a unit hop rate and is rescaled for every sample.
4. **Transport**: Nernst-Einstein conductivity
   (:class:`~scaleweave.bridges.rates.transport.NernstEinsteinModel`) from the collective
   diffusivity ``D_sigma``; the drift route
   (:class:`~scaleweave.bridges.rates.transport.DriftConductivityModel`, field applied in
   the kMC) is run as a reference check and must agree within error bars.
5. **Device** (:class:`~scaleweave.adapters.pybamm_device.DeviceModel`): PyBaMM's SPMe with
   the ``Prada2013`` LiFePO4/graphite parameter set (A123 2.3 A h cell), discharged
   at 1C and 3C: capacity and voltage curves.

Conventions for a one-dimensional conductor: the kMC's lattice is three-dimensional
(periodic in x, y, z), so its diffusivities are ``<r^2> / (6 t)``, a third of the
diffusivity along the channel: the orientational average (trace / 3) of the
diffusivity tensor, which is what an isotropic continuum (a spherical particle, a
polycrystal) sees. Values along b are three times larger; the summary gives both.

Which PyBaMM parameters are mapped, and why
-------------------------------------------
``"Positive particle diffusivity [m2.s-1]"`` <- the chemical (Fickian) diffusivity
    of Li in the LiFePO4 particles. The kMC gives the jump (collective) diffusivity
    ``D_sigma``; for a lattice gas with site exclusion the thermodynamic factor is
    ``1 / (1 - c)`` (canonical finite-size form ``(N - 1) / (N - N_c)``), so
    ``D_chem = D_sigma / (1 - c)``, which for this lattice gas equals the
    single-particle ``D0`` at any concentration. It is multiplied by the
    ``blocking_factor``: the ratio of the effective diffusivity of real particles to
    the ideal crystal's. Antisite Fe on Li sites block the one-dimensional channels
    and lower the effective diffusivity by orders of magnitude (Malik, Burch, Bazant
    & Ceder 2010, Nano Lett. 10, 4123); Prada et al. (2013, J. Electrochem. Soc.
    160, A616) fit 5.9e-18 m^2/s to an A123 cell, about 1e-5 of the ideal-crystal
    value the CHGNet chain gives at 298 K (4.5e-13 m^2/s, trace/3): the default
    median. It is a particle-scale (device) parameter, uncertain by a decade (one
    log-standard deviation) since it depends on defect content and particle size by
    orders of magnitude. With ``blocking_factor=1`` (ideal crystal) the cell is not
    limited by solid diffusion at all and the capacity does not respond to the
    barrier. Mapping mode ``scale``: Prada's diffusivity is a constant, so the input
    is the value itself.
``"Electrolyte conductivity [S.m-1]"`` <- ``electrolyte_conductivity``, a device-scale
    parameter (the liquid electrolyte, not the LiFePO4): PyBaMM's ``kappa(c_e, T)``
    scaled to the given value at the initial concentration (default: Prada's own,
    with a +-40% epistemic spread).

Not mapped: the Nernst-Einstein conductivity of LiFePO4 (a mixed conductor whose
electronic conductivity PyBaMM's electrode model treats separately); it is reported
and plotted against temperature. The cell runs at PyBaMM's 298 K: the
``temperature`` parameter sets the atomistic and kinetic scales only.

Driving force
-------------
The electric field is applied at one scale only: the cell's current drives the
device; the kMC runs field-free (its field port is 0) and passes ``D_sigma`` up. The
drift reference run applies the field in the kMC and stops at a conductivity; a
graph that also applied it in a continuum conductor is refused
(:class:`~scaleweave.errors.CouplingError`), which the case demonstrates.

Uncertainty and attribution
---------------------------
Epistemic distributions (no aleatory input, so one loop) of ``barrier_offset``
(atomistic), ``attempt_frequency_factor`` (kinetic), ``blocking_factor`` and
``electrolyte_conductivity`` (device) are propagated through the graph
(:func:`~scaleweave.uq.propagate.propagate`, scrambled Sobol' points), and Sobol'
indices (:func:`~scaleweave.uq.sensitivity.sobol_analysis`) of the capacity at the
highest C-rate are given per parameter and per scale.

References (checked in the summary)
-----------------------------------
* Arrhenius: ``nu0 = 1e13 Hz``, ``Ea = 0.25 eV``, 300 K -> 6.31e8 1/s; uncorrelated 3D
  hopping with ``a = 3 Angstrom``: ``D = Gamma a^2 / 6 = 9.47e-8 cm^2/s`` (issue 6).
* CHGNet barrier vs the GGA barrier 0.27 eV of Morgan, Van der Ven & Ceder (2004,
  Electrochem. Solid-State Lett. 7, A30), within 0.1 eV.
* kMC collective diffusivity of the lattice gas with site exclusion:
  ``D_sigma = D0 (N - N_c) / (N - 1)`` exactly (each of the ``N_c z`` paths is open
  with probability ``(N - N_c)/(N - 1)`` in the uniform stationary state, and the
  centre-of-mass increments are uncorrelated; Kutner 1981, Phys. Lett. A 81, 239),
  within 3 standard errors. The tracer in strictly 1D channels is single-file
  (sub-diffusive, Harris 1965): it is plotted, not checked.
* Drift-route and Nernst-Einstein conductivities agree within 3 combined standard
  errors (Einstein relation, linear response).
* The device at Prada's diffusivity and conductivity reproduces PyBaMM's own run of
  the same model and mesh.

Validity: NEB residual force, exactly one imaginary mode at the saddle, ``Ea/kT >= 3``
over the samples and the temperature range, linear response of the drift run
(``qEa/kT <= 0.1``), electrolyte depletion of the cell.
"""

from __future__ import annotations

import importlib.util
import math
import time
import warnings
from pathlib import Path
from types import SimpleNamespace
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from scaleweave.cases.base import Case, RunContext
from scaleweave.core.checks import ReferenceCheck, Validity
from scaleweave.core.constants import BOLTZMANN as _KB
from scaleweave.core.constants import ELECTRON_VOLT as _EV
from scaleweave.core.constants import ELEMENTARY_CHARGE as _E
from scaleweave.core.model import Port, model_from_function
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.results import CaseResult, Output
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity
from scaleweave.errors import ConfigError, MissingExtraError, ValidityWarning

__all__ = ["CALCULATOR_EXTRAS", "BatteryCase", "chain_study", "lfp_li_lattice"]


#: calculator -> (module it needs, extra that installs it).
CALCULATOR_EXTRAS: dict[str, tuple[str, str]] = {"chgnet": ("chgnet", "battery"),
                                                 "emt": ("ase", "battery")}

_ISSUE = "issue 6 closed-form references"
_MORGAN = ("Morgan, Van der Ven & Ceder 2004, Electrochem. Solid-State Lett. 7, A30: GGA "
           "barrier 0.27 eV for Li along [010] in LiFePO4; tolerance 0.1 eV (issue 6)")
_SSEP = ("lattice gas with site exclusion: D_sigma = D0 (N - N_c)/(N - 1) exactly (uniform "
         "stationary state, uncorrelated centre-of-mass jumps; Kutner 1981, Phys. Lett. A 81, "
         "239); tolerance 3 standard errors")


def lfp_li_lattice(repeat: tuple[int, int, int] = (1, 16, 1)) -> Any:
    """The Li sublattice of olivine LiFePO4: one-dimensional channels along b.

    Built from the same Pnma structure as the NEB hop
    (:mod:`scaleweave.materials.lifepo4`, Streltsov et al. 1993) with
    nearest-neighbour hops only (3.005 Angstrom along b; the next Li is 5.7 Angstrom
    away in another channel), so every site has two neighbours.

    Parameters
    ----------
    repeat : tuple of 3 int
        Supercell of the 4-Li unit cell; ``(1, L, 1)`` gives 2 channels of ``2 L`` sites.
    """
    from scaleweave.engines.lattice.sites import lattice_from_atoms
    from scaleweave.materials.lifepo4 import lifepo4_unit_cell

    return lattice_from_atoms(lifepo4_unit_cell(), "Li", repeat=repeat)


def _si_q(value: float, unit: str) -> Any:
    return Quantity(value, Quantity(1.0, unit or "dimensionless").to_base_units().units)


def chain_study(kmc: Any, device: Any, n_sites: int, n_carriers: int) -> Study:
    """The sampled part of the chain: hop -> Arrhenius -> kMC -> transport -> device.

    Study parameters (bind them): ``barrier_neb``, ``barrier_offset`` [eV];
    ``attempt_frequency_neb`` [Hz], ``attempt_frequency_factor`` [-];
    ``temperature`` [K]; ``blocking_factor`` [-]; ``electrolyte_conductivity`` [S/m].
    """
    from scaleweave.bridges.rates.arrhenius import ArrheniusModel
    from scaleweave.bridges.rates.transport import FickDiffusivityModel, NernstEinsteinModel

    hop = model_from_function(
        lambda barrier_neb, barrier_offset, attempt_frequency_neb, attempt_frequency_factor: {
            "barrier": barrier_neb + barrier_offset,
            "attempt_frequency": attempt_frequency_neb * attempt_frequency_factor},
        inputs={"barrier_neb": "eV", "barrier_offset": "eV", "attempt_frequency_neb": "Hz",
                "attempt_frequency_factor": ""},
        outputs={"barrier": "eV", "attempt_frequency": "Hz"}, name="hop",
        length_scale=3e-10, time_scale=1e-13, vectorized=True)
    fick = FickDiffusivityModel(n_sites=n_sites, n_carriers=n_carriers, name="fick")
    labels = [_rate_label(c) for c in device.c_rates]
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


def _rate_label(c: float) -> str:
    return f"{c:g}C".replace(".", "p")


def _check_calculator(name: str) -> None:
    module, extra = CALCULATOR_EXTRAS[name]
    if importlib.util.find_spec(module) is None:
        raise MissingExtraError(f"calculator {name!r} needs the package {module!r}: "
                                f"pip install 'scaleweave[{extra}]'")


def _cache(ctx: RunContext) -> Any:
    from scaleweave.execution.cache import ModelCache

    folder = ctx.extra.get("cache_dir")
    if folder is None and ctx.campaign_dir is not None:
        folder = Path(ctx.campaign_dir).parent.parent / ".cache"
    return ModelCache(folder) if folder is not None else None


class BatteryCase(Case):
    """CHGNet hop barrier -> Arrhenius -> 1D-channel kMC -> Nernst-Einstein -> PyBaMM LFP cell."""

    name = "battery"
    title = ("The battery chain: a LiFePO4 hop barrier (CHGNet NEB) -> kinetic Monte Carlo "
             "-> conductivity -> PyBaMM cell, with no double counting")
    description = (
        "Li hop barrier along LiFePO4's b channel from a CHGNet NEB, Arrhenius rate, lattice "
        "kMC on the Li channels, Nernst-Einstein conductivity, PyBaMM Prada2013 cell at 1C and "
        "3C; barrier uncertainty carried to the capacity, Sobol' indices per scale, the field "
        "applied at one scale only.")
    parameters = (
        Parameter("calculator", "chgnet", "", "atomistic calculator of the NEB (emt: a fast "
                  "Au/Al(100) stand-in hop for tests)", choices=tuple(CALCULATOR_EXTRAS)),
        Parameter("neb_images", 5, "", "interior NEB images", low=1, integer=True),
        Parameter("neb_fmax", 0.05, "eV/angstrom", "NEB force convergence", low=0.0,
                  low_open=True),
        Parameter("neb_max_steps", 500, "", "optimiser steps before the NEB counts as not "
                  "converged (exit 1, nothing written)", low=0, integer=True),
        Parameter("temperature", 298.0, "K", "temperature of the atomistic and kinetic scales "
                  "(the cell runs at PyBaMM's 298 K)", low=0.0, low_open=True),
        Parameter("concentration", 0.9, "", "Li site fraction x of the kMC lattice gas",
                  low=0.0, high=1.0, low_open=True, high_open=True),
        Parameter("barrier_offset", "normal(0 eV, 0.025 eV) epistemic", "eV",
                  "calculator error added to the NEB barrier (atomistic scale)",
                  uncertain=True),
        Parameter("attempt_frequency_factor", "lognormal(1, 0.5) epistemic", "",
                  "factor on the harmonic (Vineyard) prefactor (kinetic scale)", uncertain=True),
        Parameter("blocking_factor", "lognormal(1e-5, 2.3) epistemic", "",
                  "effective over ideal-crystal diffusivity of the particles (device scale)",
                  uncertain=True),
        Parameter("electrolyte_conductivity", "normal(0.7 S/m, 0.14 S/m) epistemic", "S/m",
                  "electrolyte conductivity at the initial concentration (device scale; "
                  "Prada2013: 0.7 S/m)", uncertain=True),
        Parameter("kmc_cells", 16, "", "unit cells along b of the kMC lattice", low=2,
                  integer=True),
        Parameter("kmc_replicas", 8, "", "independent kMC replicas", low=2, integer=True),
        Parameter("kmc_blocks", 100, "", "blocks per kMC replica", low=2, integer=True),
        Parameter("kmc_hops", 100, "", "expected hops per Li per block (the collective "
                  "estimator is exact at any block length)", low=1, integer=True),
        Parameter("drift_field_ratio", 0.05, "", "field work per hop over kT of the drift "
                  "reference run (linear response: <= 0.1)", low=0.0, low_open=True),
        Parameter("n_samples", 256, "", "propagation samples (multiple of 8)", low=16,
                  integer=True),
        Parameter("n_base", 128, "", "Sobol' base sample size (power of 2)", low=8,
                  integer=True),
        Parameter("t_min", 250.0, "K", "lowest temperature of the Arrhenius plot", low=0.0,
                  low_open=True),
        Parameter("t_max", 350.0, "K", "highest temperature of the Arrhenius plot", low=0.0,
                  low_open=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {"neb_images": 3, "neb_fmax": 0.1, "kmc_replicas": 4,
                                       "n_samples": 64, "n_base": 64, "kmc_hops": 10}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (
        ("ase", "battery"), ("pybamm", "battery"), ("SALib", "uq"))

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        from scaleweave.adapters.pybamm_device import DeviceModel
        from scaleweave.bridges.rates.arrhenius import arrhenius_rate, arrhenius_validity
        from scaleweave.bridges.rates.barrier import (
            BarrierModel,
            NEBSettings,
            au_al100_adatom_hop,
            lifepo4_b_channel_hop,
        )
        from scaleweave.bridges.rates.transport import nernst_einstein_conductivity
        from scaleweave.cases._battery_figures import figures
        from scaleweave.engines.lattice.kmc import KMCModel
        from scaleweave.uq.propagate import propagate

        p = params
        calc = p["calculator"]
        _check_calculator(calc)
        if p["t_min"] >= p["t_max"]:
            raise ConfigError(f"parameter 't_min' = {p['t_min']:g} K must be below 't_max' = "
                              f"{p['t_max']:g} K")
        if p["n_samples"] % 8:
            raise ConfigError(f"parameter 'n_samples' = {p['n_samples']} must be a multiple of "
                              "8 (8 independent scramblings give the Monte Carlo error)")
        timings: dict[str, float] = {}
        refs: list[ReferenceCheck] = []
        outputs: dict[str, Output] = {}
        validity: list[Validity] = []
        notes: list[str] = []
        temp = float(p["temperature"])
        cache = _cache(ctx)

        # -- 1. barrier: one NEB, cached by content hash --------------------------------
        tic = time.perf_counter()
        hop = lifepo4_b_channel_hop() if calc == "chgnet" else au_al100_adatom_hop()
        settings = NEBSettings(n_images=int(p["neb_images"]), fmax=float(p.given["neb_fmax"]),
                               max_steps=int(p["neb_max_steps"]))
        bmodel = BarrierModel(path=hop, calculator=calc, settings=settings, name="barrier")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # torch chatter inside CHGNet
            warnings.simplefilter("default", ValidityWarning)
            neb = Study([bmodel]).run(cache=cache)
        bout = {k.split(".", 1)[1]: v for k, v in neb.si.items() if k.startswith("barrier.")}
        ea = float(bout["barrier"]) / _EV
        nu0 = float(bout["attempt_frequency"])
        validity.extend(bmodel.diagnose(bout))
        timings["neb"] = time.perf_counter() - tic
        outputs["barrier"] = Output(ea, "eV", description=f"NEB barrier ({calc}): "
                                    f"{hop.description}")
        outputs["attempt_frequency"] = Output(nu0, "Hz", description="Vineyard prefactor of "
                                              "the hopping atom (harmonic TST)")
        if calc == "chgnet":
            refs.append(ReferenceCheck("CHGNet Li b-channel barrier vs DFT (eV)", ea,
                                       hop.reference_barrier, 0.1, _MORGAN, "abs"))
        else:
            notes.append("calculator=emt: the barrier is the Au/Al(100) test hop standing in "
                         "for the Li hop; downstream numbers are not LiFePO4's and the DFT "
                         "reference is left out")

        # -- closed-form checks of the bridges ------------------------------------------
        refs.extend(_closed_form_checks())

        # -- 2.-5. the chain: nominal run -------------------------------------------------
        tic = time.perf_counter()
        lattice = lfp_li_lattice((1, int(p["kmc_cells"]), 1))
        n_sites = lattice.n_sites
        n_car = round(p["concentration"] * n_sites)
        if not 1 <= n_car <= n_sites - 1:
            raise ConfigError(f"parameter 'concentration' = {p['concentration']:g} leaves "
                              f"{n_car} Li on {n_sites} kMC sites; need 1..{n_sites - 1} "
                              "(raise kmc_cells or move the concentration into (0, 1))")
        n_blocks = int(p["kmc_blocks"])
        kmc_settings = {"n_carriers": n_car, "n_replicas": int(p["kmc_replicas"]),
                        "n_blocks": n_blocks, "n_samples": 2 * n_blocks,
                        "n_events": int(p["kmc_hops"]) * n_blocks * n_car}
        kmc = KMCModel(lattice=lattice, seed=ctx.seed, name="kmc", **kmc_settings)
        device = DeviceModel(parameter_set="Prada2013", model="SPMe", c_rates=(1.0, 3.0),
                             conductivity_mode="scale",
                             diffusivity_target="positive particle", quick=ctx.quick,
                             name="device")
        study = chain_study(kmc, device, n_sites, n_car)
        unc = {}
        scale_of = {"barrier_offset": "atomistic", "attempt_frequency_factor": "kinetic",
                    "blocking_factor": "device", "electrolyte_conductivity": "device"}
        targets = {"barrier_offset": ("hop.barrier_offset",),
                   "attempt_frequency_factor": ("hop.attempt_frequency_factor",),
                   "blocking_factor": ("fick.blocking_factor",),
                   "electrolyte_conductivity": ("device.conductivity",),
                   "temperature": ("arrhenius.temperature", "kmc.temperature",
                                   "nernst_einstein.temperature")}
        study.bind("barrier_neb", "hop.barrier_neb", value=Quantity(ea, "eV"))
        study.bind("attempt_frequency_neb", "hop.attempt_frequency_neb", value=Quantity(nu0, "Hz"))
        for name, tgt in targets.items():
            study.bind(name, *tgt, value=_si_q(p[name], p.units[name]))
            if name in p.uncertain:
                unc[name] = p.uncertain[name]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ValidityWarning)
            nom = study.run()
        kres = _kmc_curves(nom.si, "kmc", lattice.dim)
        timings["chain_nominal"] = time.perf_counter() - tic
        si = nom.si
        d_sig = float(si["kmc.collective_diffusivity"])
        d_sig_err = float(si["kmc.collective_diffusivity_err"])
        sigma = float(si["nernst_einstein.conductivity"])
        sigma_err = float(si["nernst_einstein.conductivity_err"])
        rate = float(si["arrhenius.hop_rate"])
        d0 = kres.uncorrelated_diffusivity
        labels = [_rate_label(c) for c in device.c_rates]
        outputs["hop_rate"] = Output(rate, "1/s", description="Arrhenius rate of one hop path "
                                     "at the nominal barrier and temperature")
        outputs["barrier_over_kT"] = Output(float(si["arrhenius.barrier_over_kT"]), "",
                                            description="Ea/kT at the nominal barrier")
        outputs["collective_diffusivity"] = Output(
            d_sig, "m^2/s", d_sig - 1.96 * d_sig_err, d_sig + 1.96 * d_sig_err,
            "kMC D_sigma, orientational average (trace/3); 95% Monte Carlo interval")
        outputs["collective_diffusivity_b"] = Output(
            3 * d_sig, "m^2/s", 3 * (d_sig - 1.96 * d_sig_err), 3 * (d_sig + 1.96 * d_sig_err),
            "kMC D_sigma along the b channel")
        outputs["chemical_diffusivity"] = Output(float(si["fick.chemical_diffusivity"]),
                                                 "m^2/s", description="D_chem = D_sigma / (1-c) "
                                                 "(ideal crystal, trace/3)")
        outputs["particle_diffusivity"] = Output(float(si["fick.particle_diffusivity"]),
                                                 "m^2/s", description="D_chem x blocking "
                                                 "factor -> PyBaMM positive particle")
        outputs["conductivity"] = Output(
            sigma, "S/m", sigma - 1.96 * sigma_err, sigma + 1.96 * sigma_err,
            "Nernst-Einstein Li conductivity (trace/3) at the nominal barrier; kMC interval")
        outputs["conductivity_b"] = Output(3 * sigma, "S/m", description="the same along b")
        outputs["haven_ratio"] = Output(kres.haven_ratio, "", description="D*/D_sigma over "
                                        "the kMC blocks; single-file channels: depends on the "
                                        "block length, not a bulk constant")

        refs.append(ReferenceCheck(
            "kMC collective diffusivity vs D0 (N - N_c)/(N - 1) (m^2/s)", d_sig,
            d0 * (n_sites - n_car) / (n_sites - 1), 3 * d_sig_err, _SSEP, "abs"))

        # -- drift route: field applied in the kMC only --------------------------------
        tic = time.perf_counter()
        drift = _drift_check(lattice, kmc_settings, ctx.seed, rate, temp, p["drift_field_ratio"],
                             sigma, sigma_err)
        refs.append(drift["check"])
        validity.extend(drift["validity"])
        outputs["conductivity_drift"] = Output(
            drift["sigma"], "S/m", drift["sigma"] - 1.96 * drift["err"],
            drift["sigma"] + 1.96 * drift["err"],
            "drift route sigma = n q v/E (trace/3), field applied in the kMC only")
        refused = _double_counting_refused(lattice, kmc_settings)
        refs.append(ReferenceCheck(
            "graph refuses the field at two scales (1 = CouplingError raised)",
            1.0 if refused else 0.0, 1.0, 0.0,
            "issue 6 double-counting guard: kMC drift + Ohmic continuum, both applying "
            "'electric_field'", "abs"))
        notes.append(f"double counting: {refused}" if refused else
                     "double counting: NOT refused")
        timings["drift_and_guard"] = time.perf_counter() - tic

        # -- device reference ---------------------------------------------------------
        tic = time.perf_counter()
        refs.extend(_device_reference(device, ctx.quick))
        timings["device_reference"] = time.perf_counter() - tic

        # -- propagation ---------------------------------------------------------------
        tic = time.perf_counter()
        captured: dict[str, np.ndarray] = {}
        base = ctx.evaluator(study, "battery")

        def evaluate(names, X):
            out = base(names, X)
            for key in ("device.voltage_curve", "device.capacity",
                        "device.electrolyte_depletion"):
                if key in out:
                    captured[key] = np.asarray(out[key])
            return out

        res = None
        if unc:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ValidityWarning)
                res = propagate(study, unc, n=int(p["n_samples"]), seed=ctx.seed,
                                evaluator=evaluate)
            failed = res.n_failed
        else:
            failed = 0
            notes.append("no uncertain parameter: no error bars")
        timings["propagation"] = time.perf_counter() - tic

        def out_port(port: str, unit: str, scale: float, desc: str, key: str) -> None:
            value = float(np.asarray(si[port]).ravel()[0]) / scale
            lo = hi = None
            if res is not None and port in res.stats:
                s = res.stats[port]
                lo, hi = s["q025"] / scale, s["q975"] / scale
                value = s["mean"] / scale
            outputs[key] = Output(value, unit, lo, hi, desc)

        for lab in labels:
            out_port(f"cell.capacity_{lab}", "A*h", 3600.0,
                     f"discharge capacity at {lab} (mean, 95% interval)", f"capacity_{lab}")
            out_port(f"cell.mean_voltage_{lab}", "V", 1.0,
                     f"capacity-averaged voltage at {lab}", f"mean_voltage_{lab}")
        out_port("device.capacity_ratio", "", 1.0, f"capacity {labels[-1]} / {labels[0]}",
                 "capacity_ratio")
        out_port("nernst_einstein.conductivity", "S/m", 1.0,
                 "Nernst-Einstein conductivity over the epistemic inputs (trace/3)",
                 "conductivity_uq")
        out_port("fick.particle_diffusivity", "m^2/s", 1.0,
                 "particle diffusivity fed to PyBaMM over the epistemic inputs",
                 "particle_diffusivity_uq")
        if res is not None:
            ea_s = res.dataset["hop.barrier"].values / _EV
            t_hi = float(p["t_max"])
        else:
            ea_s, t_hi = np.array([ea]), float(p["t_max"])
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ValidityWarning)
            v_ek = arrhenius_validity(float(np.min(ea_s)) * _EV, max(t_hi, temp), warn=False)
        validity.append(v_ek)
        depletion = captured.get("device.electrolyte_depletion",
                                 np.asarray(si["device.electrolyte_depletion"]))
        validity.extend(device.diagnose({"electrolyte_depletion": depletion}))

        # -- Sobol' indices by parameter and by scale -------------------------------------
        tic = time.perf_counter()
        sobol = _sobol(study, unc, scale_of, labels[-1], p, ctx, outputs, notes)
        timings["sobol"] = time.perf_counter() - tic

        # -- conductivity vs temperature (band over the epistemic inputs) ----------------
        temps = np.linspace(float(p["t_min"]), float(p["t_max"]), 21)
        unit = kmc.run_unit_rate(temp, 0.0)
        d_unit = unit.collective_diffusivity
        n_car_vol = unit.carrier_density
        if res is not None:
            ea_samples = res.dataset["hop.barrier"].values
            nu_samples = res.dataset["hop.attempt_frequency"].values
        else:
            ea_samples, nu_samples = np.array([ea * _EV]), np.array([nu0])
        sig_t = np.stack([nernst_einstein_conductivity(
            n_car_vol, d_unit * arrhenius_rate(nu_samples, ea_samples, t), t)
            for t in temps], axis=1)  # (samples, T)
        sig_nom_t = np.array([nernst_einstein_conductivity(
            n_car_vol, d_unit * arrhenius_rate(nu0, ea * _EV, t), t) for t in temps])

        ds = _dataset(bout, kres, temps, sig_t, sig_nom_t, res, captured, device, labels,
                      sobol)
        ds.attrs["notes"] = "; ".join(notes)
        ds.attrs["calculator"] = calc
        ds.attrs["neb_images"] = int(p["neb_images"])
        ds.attrs["lattice"] = f"{lattice.name}: {n_sites} sites, {n_car} Li, z=2"
        figs = figures(bout, ea, kres, temps, sig_t, sig_nom_t, captured, device, labels, si,
                       calc)
        return CaseResult(dataset=ds, outputs=outputs, references=refs, validity=validity,
                          figures=figs, timings=timings, failed_samples=failed)


def _closed_form_checks() -> list[ReferenceCheck]:
    """The issue's Arrhenius and random-walk numbers through the bridges used here."""
    from scaleweave.bridges.rates.arrhenius import ArrheniusModel
    from scaleweave.bridges.rates.transport import random_walk_diffusivity

    gamma = float(ArrheniusModel().evaluate({"attempt_frequency": 1e13, "barrier": "0.25 eV",
                                             "temperature": 300.0})["hop_rate"])
    d = random_walk_diffusivity(gamma, "3 angstrom", 3) * 1e4  # cm^2/s
    return [ReferenceCheck("Arrhenius rate, nu0 = 1e13 Hz, Ea = 0.25 eV, 300 K (1/s)", gamma,
                           6.31e8, 1e-3, _ISSUE + ": Gamma = nu0 exp(-Ea/kT)"),
            ReferenceCheck("uncorrelated 3D hopping D = Gamma a^2/6, a = 3 Angstrom (cm^2/s)",
                           d, 9.47e-8, 1e-3, _ISSUE + ": Einstein, D = Gamma a^2/(2d)")]


def _kmc_curves(si: dict[str, Any], inst: str, dim: int) -> SimpleNamespace:
    """The kMC run's MSD curve and diffusivities from a study's outputs (for figures)."""
    get = {k: si[f"{inst}.{k}"] for k in ("msd", "msd_err", "uncorrelated_diffusivity",
                                          "haven_ratio", "collective_diffusivity",
                                          "concentration")}
    return SimpleNamespace(times=np.asarray(si[f"{inst}.msd_time"]),
                           msd=np.asarray(get["msd"]), msd_err=np.asarray(get["msd_err"]),
                           uncorrelated_diffusivity=float(get["uncorrelated_diffusivity"]),
                           haven_ratio=float(get["haven_ratio"]),
                           collective_diffusivity=float(get["collective_diffusivity"]),
                           concentration=float(get["concentration"]), dim=dim)


def _drift_check(lattice: Any, settings: dict, seed: int, rate: float, temp: float,
                 ratio: float, sigma_ne: float, sigma_ne_err: float) -> dict[str, Any]:
    """Mobility from drift under a small field along b, against Nernst-Einstein."""
    from scaleweave.bridges.rates.transport import DriftConductivityModel
    from scaleweave.engines.lattice.kmc import KMCModel

    field = ratio * _KB * temp / (_E * lattice.hop_distance)  # V/m
    kd = KMCModel(lattice=lattice, seed=seed + 1, field_direction=(0.0, 1.0, 0.0), name="kmc_drift",
                  **settings)
    st = Study([kd, DriftConductivityModel(name="drift")])
    for src in ("mobility", "mobility_err", "carrier_density"):
        st.connect(f"kmc_drift.{src}", f"drift.{src}")
    st.set_input("kmc_drift.hop_rate", Quantity(rate, "1/s"))
    st.set_input("kmc_drift.temperature", Quantity(temp, "K"))
    st.set_input("kmc_drift.electric_field", Quantity(field, "V/m"))
    r = st.run()
    # Drift measures the b component; trace/3 of a 1D conductor is a third of it.
    s_b = float(r.si["drift.conductivity"])
    s_b_err = float(r.si["drift.conductivity_err"])
    s, s_err = s_b / 3, s_b_err / 3
    tol = 3 * math.hypot(s_err, sigma_ne_err)
    check = ReferenceCheck(
        "drift-route vs Nernst-Einstein conductivity (S/m, trace/3)", s, sigma_ne, tol,
        "Einstein relation mu = q D_sigma/kT in linear response (issue 6); tolerance 3 "
        "combined standard errors", "abs")
    return {"sigma": s, "err": s_err, "check": check, "validity": r.validity,
            "field": field}


def _double_counting_refused(lattice: Any, settings: dict) -> str:
    """Wire the field at two scales; return the study's refusal message ('' if none)."""
    from scaleweave.bridges.rates.transport import DriftConductivityModel, OhmicConductorModel
    from scaleweave.engines.lattice.kmc import KMCModel
    from scaleweave.errors import CouplingError

    kd = KMCModel(lattice=lattice, seed=0, field_direction=(0.0, 1.0, 0.0), name="kmc_field",
                  **settings)
    st = Study([kd, DriftConductivityModel(name="drift"), OhmicConductorModel(name="ohmic")])
    for src in ("mobility", "carrier_density"):
        st.connect(f"kmc_field.{src}", f"drift.{src}")
    st.connect("drift.conductivity", "ohmic.conductivity")
    st.set_input("kmc_field.hop_rate", Quantity(1e8, "1/s"))
    st.set_input("kmc_field.temperature", Quantity(298.0, "K"))
    st.set_input("kmc_field.electric_field", Quantity(1e6, "V/m"))
    st.set_input("ohmic.electric_field", Quantity(1e3, "V/m"))
    try:
        st.check()
    except CouplingError as exc:
        return str(exc)
    return ""


def _device_reference(device: Any, quick: bool) -> list[ReferenceCheck]:
    """The device bridge at Prada's own parameters against a plain PyBaMM run."""
    import pybamm

    from scaleweave.adapters.pybamm_device import pybamm_discharge

    ours = device.evaluate({"diffusivity": device.reference_diffusivity,
                            "conductivity": device.reference_conductivity})
    params = pybamm.ParameterValues("Prada2013")
    params.update({"Current function [A]": "[input]"})
    sim = pybamm.Simulation(pybamm.lithium_ion.SPMe(), parameter_values=params,
                            var_pts=device.mesh)
    out = []
    for j, c in enumerate(device.c_rates):
        sol = sim.solve([0.0, 1.5 * 3600.0 / c],
                        inputs={"Current function [A]": c * device.nominal_capacity})
        ref = pybamm_discharge(sol, device.n_points)["capacity"]
        out.append(ReferenceCheck(
            f"device capacity at {_rate_label(c)}, Prada diffusivity and conductivity, vs "
            "PyBaMM's own run (A h)", float(ours["capacity"][j]) / 3600.0, ref, 1e-3,
            f"PyBaMM {pybamm.__version__} SPMe with Prada2013 (Prada et al. 2013, J. "
            "Electrochem. Soc. 160, A616), same mesh; tolerance 0.1% (solver tolerance)"))
    return out


def _sobol(study: Study, unc: dict, scale_of: dict, top: str, p: ParameterValues,
           ctx: RunContext, outputs: dict, notes: list) -> Any:
    """Sobol' indices of the top-rate capacity, per parameter and per scale."""
    names = [n for n in unc if not unc[n].is_interval]
    if len(names) < 2:
        notes.append("Sobol' indices left out: they need two or more uncertain distributions")
        return None
    from scaleweave.uq.sensitivity import sobol_analysis

    evaluate = ctx.evaluator(study, "battery-sobol")
    port = f"cell.capacity_{top}"

    def rows(X: np.ndarray) -> dict[str, np.ndarray]:
        return {f"capacity_{top}": evaluate(names, X)[port]}

    groups = {n: scale_of[n] for n in names}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        sob = sobol_analysis(rows, [(n, unc[n]) for n in names],
                             groups=groups if len(set(groups.values())) > 1 else None,
                             n_base=int(p["n_base"]), seed=ctx.seed)
    key = f"capacity_{top}"
    idx = sob.by_parameter[key]
    for j, n in enumerate(sob.parameters):
        outputs[f"S1_{n}"] = Output(idx.S1[j], "", idx.S1[j] - idx.S1_conf[j],
                                    idx.S1[j] + idx.S1_conf[j],
                                    f"first-order Sobol' index of {n} on the {top} capacity")
        outputs[f"ST_{n}"] = Output(idx.ST[j], "", idx.ST[j] - idx.ST_conf[j],
                                    idx.ST[j] + idx.ST_conf[j],
                                    f"total Sobol' index of {n} on the {top} capacity")
    if sob.by_group:
        gidx = sob.by_group[key]
        for j, g in enumerate(sob.groups):
            outputs[f"S1_scale_{g}"] = Output(
                gidx.S1[j], "", gidx.S1[j] - gidx.S1_conf[j], gidx.S1[j] + gidx.S1_conf[j],
                f"closed first-order index of the {g} scale on the {top} capacity")
            outputs[f"ST_scale_{g}"] = Output(
                gidx.ST[j], "", gidx.ST[j] - gidx.ST_conf[j], gidx.ST[j] + gidx.ST_conf[j],
                f"total index of the {g} scale on the {top} capacity")
    return sob


def _dataset(bout: dict, kres: Any, temps: np.ndarray, sig_t: np.ndarray,
             sig_nom_t: np.ndarray, res: Any, captured: dict, device: Any, labels: list,
             sobol: Any) -> xr.Dataset:
    data = {
        "neb_reaction_coordinate": ("neb_image", np.asarray(bout["reaction_coordinate"]),
                                    {"units": "m"}),
        "neb_energy": ("neb_image", np.asarray(bout["energy_profile"]), {"units": "J"}),
        "kmc_time": ("kmc_sample", kres.times, {"units": "s"}),
        "kmc_msd": ("kmc_sample", kres.msd, {"units": "m**2"}),
        "kmc_msd_err": ("kmc_sample", kres.msd_err, {"units": "m**2"}),
        "arrhenius_temperature": ("temperature", temps, {"units": "K"}),
        "conductivity_nominal": ("temperature", sig_nom_t, {"units": "S/m"}),
        "conductivity_lo": ("temperature", np.quantile(sig_t, 0.025, axis=0), {"units": "S/m"}),
        "conductivity_hi": ("temperature", np.quantile(sig_t, 0.975, axis=0), {"units": "S/m"}),
        "capacity_fraction": ("fraction", device.fraction_grid, {"units": "1"}),
    }
    if "device.voltage_curve" in captured:
        data["voltage_curve"] = (("sample", "c_rate", "fraction"),
                                 captured["device.voltage_curve"], {"units": "V"})
    ds = xr.Dataset(data, coords={"c_rate": ("c_rate", list(device.c_rates), {"units": "1/h"})})
    if res is not None:
        prop = res.dataset.rename({k: f"uq.{k}" for k in res.dataset.data_vars})
        ds = xr.merge([ds, prop], compat="override")
    if sobol is not None:
        ds = xr.merge([ds, sobol.to_dataset()], compat="override")
    for name in list(ds.data_vars) + list(ds.coords):
        ds[name].attrs.setdefault("units", "1")
    return ds
