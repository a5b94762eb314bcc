"""Case ``battery``: hop barrier -> Arrhenius -> lattice kMC -> conductivity -> PyBaMM cell.

The essay's materials chain through one study graph, with the atomistic barrier's
uncertainty carried to a device prediction and the electric field applied at one
scale only.

Chain
-----
1. **Barrier** (study ``neb``, :class:`~scaleweave.bridges.rates.barrier.BarrierModel`):
   climbing-image NEB of a Li vacancy hop along the [010] (b-axis) channel of olivine
   LiFePO4 (:func:`~scaleweave.bridges.rates.barrier.lifepo4_b_channel_hop`) with the
   pretrained universal potential CHGNet (default), and the Vineyard attempt
   frequency of the hopping Li. ``calculator=emt`` swaps in ASE's fast EMT test hop
   (an Au adatom on Al(100); EMT has no Li parameters): its barrier then stands in
   for the Li hop, so every downstream number is a plumbing test, not LiFePO4's. The
   NEB runs once, outside the sampled study, through the content-hash cache
   (``OUT/.cache``); its barrier and prefactor enter the chain as
   :class:`~scaleweave.cases.base.Upstream` values. A user with a barrier of their
   own (a DFT value) gives ``barrier`` and it replaces the NEB's; ``attempt_frequency``
   replaces the Vineyard prefactor; with both given no NEB runs at all.
2. **Arrhenius** (:class:`~scaleweave.bridges.rates.arrhenius.ArrheniusModel`):
   ``Gamma = nu0 exp(-(Ea + dEa) / kT)`` per hop path, with the epistemic barrier
   offset ``dEa`` (calculator error, +-0.05 eV at 95%) and a factor on the
   prefactor (both apply to given values too: set ``barrier_offset=0`` and
   ``attempt_frequency_factor=1`` for fixed ones).
3. **kMC** (:class:`~scaleweave.engines.lattice.kmc.KMCModel`) on the Li sublattice read
   from the olivine structure (:func:`~scaleweave.engines.lattice.sites.lattice_from_atoms`;
   ``lattice=crystal``, the default): nearest Li-Li neighbours are 3.005 Angstrom
   apart along b, the next ones 5.7 Angstrom across channels, so the lattice is
   one-dimensional channels (z = 2). Or a standard lattice (``lattice`` = square,
   triangular, honeycomb, sc, bcc, fcc;
   :func:`~scaleweave.engines.lattice.sites.standard_lattice`) with nearest-neighbour
   distance ``hop_distance`` (default the crystal's 3.005 Angstrom; a 2D lattice is a
   layer of that thickness), ``kmc_cells`` cells along each periodic direction.
   Carriers (Li, site fraction ``concentration``) block each other. The kMC runs
   once per temperature at a unit hop rate and is rescaled for every sample. For a
   standard lattice a second kMC, one vacancy among tracked atoms on a ~4000-site
   supercell (``tracer_jumps`` vacancy jumps per replica), measures the lattice's
   tracer correlation factor.
4. **Transport**: Nernst-Einstein conductivity
   (:class:`~scaleweave.bridges.rates.transport.NernstEinsteinModel`) from the collective
   diffusivity ``D_sigma``; the drift route
   (:class:`~scaleweave.bridges.rates.transport.DriftConductivityModel`, field applied in
   the kMC) is run beside it, and the two must agree within error bars (a validity
   diagnostic: two of our routes to one number).
5. **Device** (:class:`~scaleweave.adapters.pybamm_device.DeviceModel`): PyBaMM's SPMe with
   the ``Prada2013`` LiFePO4/graphite parameter set (A123 2.3 A h cell), discharged
   at 1C and 3C: capacity and voltage curves.

Conventions for a one-dimensional conductor: the kMC's lattice is three-dimensional
(periodic in x, y, z), so its diffusivities are ``<r^2> / (6 t)``, a third of the
diffusivity along the channel: the orientational average (trace / 3) of the
diffusivity tensor, which is what an isotropic continuum (a spherical particle, a
polycrystal) sees. Values along b are three times larger; the summary gives both.
The standard lattices are isotropic: ``<r^2> / (2 d t)`` with d = 2 or 3.

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
drift run applies the field in the kMC and stops at a conductivity; a graph that
also applied it in a continuum conductor is refused
(:class:`~scaleweave.errors.CouplingError`; tested in ``tests/cases/test_battery.py``).

Uncertainty and attribution
---------------------------
Epistemic distributions (no aleatory input, so one loop) of ``barrier_offset``
(atomistic), ``attempt_frequency_factor`` (kinetic), ``blocking_factor`` and
``electrolyte_conductivity`` (device) are propagated through the chain by the case
base (scrambled Sobol' points), with Sobol' indices of the capacity at the highest
C-rate per parameter and per declared scale.

References (``references.py``), each computed from the run's own inputs
--------------------------------------------------------------------------
* CHGNet barrier vs the GGA barrier 0.27 eV of Morgan, Van der Ven & Ceder (2004,
  Electrochem. Solid-State Lett. 7, A30), within 0.1 eV (skipped for ``emt`` or a
  given barrier).
* With ``barrier`` and ``attempt_frequency`` given, the nominal hop rate against
  ``nu0 exp(-Ea / kB T)`` at those values and the run's temperature, and the kMC's
  lone-carrier ``D0`` against the random walk ``z Gamma a^2 / (2 d)`` with the
  lattice's ``z``, ``a`` and ``d`` (floating-point tolerance). Otherwise the rate
  comes from this run's NEB and is not known before the run: both are listed as
  skipped, and ``D0 / Gamma`` is checked against ``z a^2 / (2 d)``.
* kMC collective diffusivity of the lattice gas with site exclusion:
  ``D_sigma / D0 = (N - N_c) / (N - 1)`` exactly (each of the ``N_c z`` paths is open
  with probability ``(N - N_c)/(N - 1)`` in the uniform stationary state, and the
  centre-of-mass increments are uncorrelated; Kutner 1981, Phys. Lett. A 81, 239),
  within 3 standard errors.
* Tracer correlation factor. The exact values (honeycomb 1/3, square 0.46694,
  triangular 0.56006, sc 0.65311, bcc 0.72722, fcc 0.78146; Compaan & Haven 1956,
  1958, Montet 1973; :mod:`scaleweave.analytic.correlation`) are those of the
  vacancy mechanism at vanishing vacancy concentration, so they are compared with
  the one-vacancy run of a standard lattice (within 3 standard errors; its
  finite-size shift, about ``+1/N``, is 2.5e-4 on ~4000 sites), not with the
  carriers of the chain's kMC. Those form a lattice gas at site fraction ``c``,
  whose ``f(c)`` runs from 1 (one carrier: checked, when the kMC holds one) to the
  one-vacancy value, with no exact value in between (listed as skipped). The
  tracer in strictly 1D channels is single-file (sub-diffusive, Harris 1965,
  ``f = 0``): plotted, not checked.

Validity: NEB residual force, exactly one imaginary mode at the saddle and none at
the initial minimum, ``Ea/kT >= 3`` over the samples (at the run temperature, and up
to ``t_max``), linear response of the drift run (``qEa/kT <= 0.1``), drift-route vs
Nernst-Einstein conductivity within 3 combined standard errors, at least 100 hops
per atom per block of the one-vacancy run, electrolyte depletion of the cell and
every discharge ending at a voltage cut-off.
"""

from __future__ import annotations

from typing import Any, ClassVar

from scaleweave.cases.base import Case
from scaleweave.core.parameters import Parameter

__all__ = ["CALCULATORS", "KMC_LATTICES", "BatteryCase"]

#: The NEB calculators the case offers (``emt``: a fast stand-in hop for tests).
CALCULATORS = ("chgnet", "emt")
#: The kMC lattices: the crystal's Li sublattice and the standard lattices (``sc``:
#: simple cubic).
KMC_LATTICES = ("crystal", "square", "triangular", "honeycomb", "sc", "bcc", "fcc")


class BatteryCase(Case):
    """CHGNet hop barrier -> Arrhenius -> 1D-channel kMC -> Nernst-Einstein -> PyBaMM LFP cell."""

    name = "battery"
    title = ("The battery chain: a LiFePO4 hop barrier (CHGNet NEB) -> kinetic Monte Carlo "
             "-> conductivity -> PyBaMM cell, with no double counting")
    summary = ("Battery chain: LiFePO4 hop barrier (CHGNet NEB) -> kMC on the Li channels -> "
               "conductivity -> PyBaMM cell at 1C/3C, with error bars and no double counting")
    parameters = (
        Parameter("calculator", "chgnet", "", "atomistic calculator of the NEB (emt: a fast "
                  "Au/Al(100) stand-in hop for tests)", choices=CALCULATORS, scale="atomistic"),
        Parameter("neb_images", 5, "", "interior NEB images", low=1, integer=True),
        Parameter("neb_fmax", 0.05, "eV/angstrom", "NEB force convergence", low=0.0,
                  low_open=True),
        Parameter("neb_max_steps", 500, "", "optimiser steps before the NEB counts as not "
                  "converged (exit 1, nothing written)", low=0, integer=True),
        Parameter("temperature", 298.0, "K", "temperature of the atomistic and kinetic scales "
                  "(the cell runs at PyBaMM's 298 K)", low=0.0, low_open=True,
                  binds=("arrhenius.temperature", "kmc.temperature",
                         "nernst_einstein.temperature"), scale="kinetic"),
        Parameter("concentration", 0.9, "", "Li site fraction x of the kMC lattice gas",
                  low=0.0, high=1.0, low_open=True, high_open=True, scale="kinetic"),
        Parameter("barrier", 0.0, "eV", "hop barrier Ea that replaces the NEB's (e.g. a DFT "
                  "value); 0: the NEB's", low=0.0, scale="atomistic"),
        Parameter("attempt_frequency", 0.0, "Hz", "attempt frequency nu0 that replaces the "
                  "NEB's Vineyard prefactor; 0: Vineyard's (with barrier also given, no NEB "
                  "runs)", low=0.0, scale="kinetic"),
        Parameter("lattice", "crystal", "", "kMC lattice: the crystal's Li sublattice (1D "
                  "channels along b) or a standard lattice", choices=KMC_LATTICES,
                  scale="kinetic"),
        Parameter("hop_distance", 0.0, "angstrom", "hop (nearest-neighbour) distance of a "
                  "standard kMC lattice; 0: the crystal's Li-Li hop, 3.005 angstrom (the "
                  "crystal takes only its own)", low=0.0, scale="kinetic"),
        Parameter("barrier_offset", "normal(0 eV, 0.025 eV) epistemic", "eV",
                  "calculator error added to the barrier (atomistic scale)",
                  uncertain=True, binds=("hop.barrier_offset",), scale="atomistic"),
        Parameter("attempt_frequency_factor", "lognormal(1, 0.5) epistemic", "",
                  "factor on the harmonic (Vineyard) prefactor (kinetic scale)", uncertain=True,
                  binds=("hop.attempt_frequency_factor",), scale="kinetic"),
        Parameter("blocking_factor", "lognormal(1e-5, 2.3) epistemic", "",
                  "effective over ideal-crystal diffusivity of the particles (device scale)",
                  uncertain=True, binds=("fick.blocking_factor",), scale="device"),
        Parameter("electrolyte_conductivity", "normal(0.7 S/m, 0.14 S/m) epistemic", "S/m",
                  "electrolyte conductivity at the initial concentration (device scale; "
                  "Prada2013: 0.7 S/m)", uncertain=True, binds=("device.conductivity",),
                  scale="device"),
        Parameter("kmc_cells", 16, "", "unit cells of the kMC supercell: along b for the "
                  "crystal, along each periodic direction of a standard lattice", low=2,
                  integer=True),
        Parameter("kmc_replicas", 8, "", "independent kMC replicas", low=2, integer=True),
        Parameter("kmc_blocks", 100, "", "blocks per kMC replica", low=2, integer=True),
        Parameter("kmc_hops", 100, "", "expected hops per Li per block (the collective "
                  "estimator is exact at any block length)", low=1, integer=True),
        Parameter("tracer_jumps", 2_000_000, "", "vacancy jumps per replica of the "
                  "one-vacancy run that measures a standard lattice's tracer correlation "
                  "factor (>= ~8e5 for its 100 hops per atom per block)", low=1000,
                  integer=True),
        Parameter("drift_field_ratio", 0.05, "", "field work per hop over kT of the drift "
                  "run (linear response: <= 0.1)", low=0.0, low_open=True),
        Parameter("n_samples", 256, "", "propagation samples (a power of 2)", low=16,
                  integer=True),
        Parameter("n_base", 128, "", "Sobol' base sample size (power of 2)", low=8,
                  integer=True),
        Parameter("t_min", 250.0, "K", "lowest temperature of the Arrhenius plot", low=0.0,
                  low_open=True, scale="kinetic"),
        Parameter("t_max", 350.0, "K", "highest temperature of the Arrhenius plot", low=0.0,
                  low_open=True, scale="kinetic"),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {"neb_images": 3, "neb_fmax": 0.1, "kmc_replicas": 4,
                                       "n_samples": 64, "n_base": 64, "kmc_hops": 10,
                                       "tracer_jumps": 1_000_000}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (
        ("ase", "battery"), ("pybamm", "battery"), ("SALib", "uq"))
    hook_modules: ClassVar[dict[str, str]] = {"analyse": "analysis"}
