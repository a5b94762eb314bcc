"""Hop barrier from an atomistic calculator: climbing-image NEB plus a Vineyard prefactor.

The bridge from the electronic/atomistic scale to the lattice-hopping scale: for one
ion hop between two minima (a :class:`HopPath`), a climbing-image nudged elastic
band (Henkelman, Uberuaga & Jonsson 2000, J. Chem. Phys. 113, 9901; ASE's
``ase.mep.NEB`` / ``DyNEB``) finds the minimum-energy path and its saddle with any
ASE calculator chosen by name (:func:`make_calculator`):

``"emt"``
    ASE's effective-medium theory; fast, for metallic test systems
    (:func:`au_al100_adatom_hop`).
``"chgnet"``
    The pretrained universal potential CHGNet (Deng et al. 2023, Nat. Mach. Intell.
    5, 1031); for a real lithium conductor (:func:`lifepo4_b_channel_hop`).
    Needs the ``battery`` extra.
``"gpaw"``
    Plane-wave/LCAO DFT through GPAW, if it is installed (no extra ships it).

The attempt frequency comes from harmonic transition-state theory (Vineyard 1957,
J. Phys. Chem. Solids 3, 121)

.. math:: \\nu^* = \\prod_{i=1}^{3n} \\nu_i^{\\rm initial} \\Big/
          \\prod_{i=1}^{3n-1} \\nu_i^{\\rm saddle},

over the ``3n`` vibrational modes of the hopping atom (and, optionally, its
neighbours) from finite-difference Hessians (``ase.vibrations.Vibrations``), or is
given. Validity diagnostics: the NEB's residual force against its ``fmax`` and
whether the saddle has exactly one imaginary mode (:meth:`BarrierModel.validity`).

A NEB that does not reach ``fmax`` in ``max_steps`` raises :class:`ModelError` with
the residual force, so no result (and no cache entry) is written. As a study model
(:class:`BarrierModel`) the run is ``cacheable``: the content-hash key holds the
structures, the calculator name and every NEB setting, so ``Study.run(cache=...)``
computes a barrier once.

Units: energies in eV, lengths in Angstrom, forces in eV/Angstrom, frequencies in
Hz at this module's functions; :class:`BarrierModel`'s kernel returns SI.
"""

from __future__ import annotations

import contextlib
import functools
import importlib
import math
import tempfile
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, ClassVar

import numpy as np

from scaleweave._optional import import_optional
from scaleweave.core.checks import Validity
from scaleweave.core.constants import ELECTRON_VOLT as _EV
from scaleweave.core.model import Diagnostic, Model, Port
from scaleweave.errors import ConfigError, MissingExtraError, ModelError, ValidityWarning

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

__all__ = [
    "CALCULATORS",
    "BarrierModel",
    "BarrierResult",
    "HopPath",
    "NEBSettings",
    "au_al100_adatom_hop",
    "harmonic_frequencies",
    "lifepo4_b_channel_hop",
    "make_calculator",
    "neb_barrier",
    "vineyard_prefactor",
]

_ANGSTROM = 1e-10  # m
_H_EV = 4.135667696e-15  # Planck constant, eV s
_IMAG_TOL_EV = 1e-3  # an |imaginary part| above 1 meV (8 cm-1) counts as an imaginary mode


# -- calculators -----------------------------------------------------------------------

def _ase() -> Any:
    return import_optional("ase", "the barrier bridge", "battery")


def _emt(**options: Any) -> Calculator:
    _ase()
    from ase.calculators.emt import EMT

    return EMT(**options)


@functools.lru_cache(maxsize=1)
def _chgnet_model() -> Any:
    from chgnet.model import CHGNet

    with contextlib.redirect_stdout(None):
        return CHGNet.load(verbose=False)


def _chgnet(**options: Any) -> Calculator:
    _ase()
    try:
        importlib.import_module("chgnet")
        from chgnet.model.dynamics import CHGNetCalculator
    except ImportError as exc:
        raise MissingExtraError("calculator 'chgnet' needs the package chgnet: "
                                "pip install 'scaleweave[battery]'") from exc
    options.setdefault("use_device", "cpu")
    with contextlib.redirect_stdout(None):
        return CHGNetCalculator(model=_chgnet_model(), **options)


def _gpaw(**options: Any) -> Calculator:
    _ase()
    try:
        from gpaw import GPAW
    except ImportError as exc:
        raise MissingExtraError("calculator 'gpaw' needs GPAW, which no scaleweave extra "
                                "installs: pip install gpaw (with libxc)") from exc
    options.setdefault("mode", "lcao")
    options.setdefault("txt", None)
    return GPAW(**options)


#: Calculator factories by name: ``name -> f(**options) -> ase Calculator``.
CALCULATORS: dict[str, Callable[..., Calculator]] = {
    "emt": _emt,
    "chgnet": _chgnet,
    "gpaw": _gpaw,
}


def make_calculator(name: str, **options: Any) -> Calculator:
    """A fresh ASE calculator chosen by name.

    Parameters
    ----------
    name : {"emt", "chgnet", "gpaw"}
        Which calculator (see :data:`CALCULATORS`).
    **options
        Keyword arguments of the calculator's constructor.

    Raises
    ------
    ConfigError
        Unknown name.
    MissingExtraError
        The calculator's package is not installed (the message names the extra).
    """
    key = str(name).lower()
    if key not in CALCULATORS:
        raise ConfigError(f"unknown calculator {name!r}; choose one of {sorted(CALCULATORS)}")
    return CALCULATORS[key](**options)


# -- hop paths ------------------------------------------------------------------------

@dataclass(frozen=True)
class HopPath:
    """The two end states of one hop (same atoms, same order).

    Parameters
    ----------
    initial, final : ase.Atoms
        End states (positions in Angstrom). Constraints (``FixAtoms``) on
        ``initial`` are applied to every image.
    moving : tuple of int
        Indices of the hopping atom(s); their modes enter the Vineyard prefactor.
    description : str
        One line for humans.
    reference_barrier : float or None
        A published barrier (eV) for this hop, if there is one.
    reference_source : str
        Where ``reference_barrier`` comes from.
    """

    initial: Atoms
    final: Atoms
    moving: tuple[int, ...]
    description: str = ""
    reference_barrier: float | None = None
    reference_source: str = ""

    def __post_init__(self) -> None:
        if len(self.initial) != len(self.final):
            raise ConfigError(f"hop {self.description!r}: initial has {len(self.initial)} atoms,"
                              f" final {len(self.final)}; both ends need the same atoms")
        if list(self.initial.numbers) != list(self.final.numbers):
            raise ConfigError(f"hop {self.description!r}: initial and final list different "
                              "elements (or a different order)")
        if not self.moving or any(not 0 <= i < len(self.initial) for i in self.moving):
            raise ConfigError(f"hop {self.description!r}: moving atom indices {self.moving} "
                              f"must be within 0..{len(self.initial) - 1}")

    def fixed(self) -> list[int]:
        """Indices held fixed by ``FixAtoms`` constraints on ``initial``."""
        from ase.constraints import FixAtoms

        out: list[int] = []
        for c in self.initial.constraints:
            if isinstance(c, FixAtoms):
                out.extend(int(i) for i in c.get_indices())
        return sorted(set(out))

    def __content__(self) -> dict[str, Any]:
        """What makes two hops the same (:mod:`scaleweave.core.hashing`): :meth:`key`."""
        return self.key()

    def key(self) -> dict[str, Any]:
        """Exact content of the hop for a cache key (numbers, positions, cell, pbc, fixed)."""
        return {
            "numbers": np.asarray(self.initial.numbers, dtype=np.int64),
            "initial": np.asarray(self.initial.positions, dtype=float),
            "final": np.asarray(self.final.positions, dtype=float),
            "cell": np.asarray(self.initial.cell[:], dtype=float),
            "final_cell": np.asarray(self.final.cell[:], dtype=float),
            "pbc": np.asarray(self.initial.pbc, dtype=bool),
            "fixed": np.asarray(self.fixed(), dtype=np.int64),
            "moving": np.asarray(self.moving, dtype=np.int64),
        }


def au_al100_adatom_hop() -> HopPath:
    """Au adatom hopping between hollow sites of Al(100): ASE's NEB tutorial system.

    A 2x2 Al(100) slab of 3 layers (bottom two fixed) with Au 1.7 Angstrom above a
    hollow site; the final state is one surface lattice constant along x, as in
    ASE's tutorial "Surface diffusion energy barriers using the Nudged Elastic Band
    method" (https://ase-lib.org/tutorials/neb/diffusion.html). Fast with ``"emt"``.
    Endpoints are relaxed by :func:`neb_barrier` (``relax_endpoints``).
    """
    _ase()
    from ase.build import add_adsorbate, fcc100
    from ase.constraints import FixAtoms

    slab = fcc100("Al", size=(2, 2, 3))
    add_adsorbate(slab, "Au", 1.7, "hollow")
    slab.center(axis=2, vacuum=4.0)
    slab.set_constraint(FixAtoms(mask=[atom.tag > 1 for atom in slab]))
    final = slab.copy()
    final.positions[-1, 0] += slab.cell[0, 0] / 2
    return HopPath(initial=slab, final=final, moving=(len(slab) - 1,),
                   description="Au adatom hollow-to-hollow hop on Al(100), 2x2x3 slab")


#: The DFT (GGA) barrier of Li hopping along the b-axis channel of LiFePO4 (eV).
LIFEPO4_B_BARRIER_EV = 0.27
LIFEPO4_B_SOURCE = ("Morgan, Van der Ven & Ceder 2004, Electrochem. Solid-State Lett. 7, "
                    "A30: 270 meV for Li migration along [010] in LiFePO4 (GGA)")


def lifepo4_b_channel_hop(supercell: Sequence[int] = (1, 1, 1)) -> HopPath:
    """Li vacancy hop along the [010] (b-axis) channel of olivine LiFePO4.

    The 28-atom Pnma cell (4 formula units;
    :func:`~scaleweave.materials.lifepo4.lifepo4_unit_cell`) with the Li at
    ``(0, 1/2, 0)`` removed; the Li at ``(0, 0, 0)`` hops into the vacancy (3.0
    Angstrom along b, on a curved path). Initial and final states are equivalent by
    symmetry, so the barrier is symmetric. Published DFT barrier:
    :data:`LIFEPO4_B_BARRIER_EV` = 0.27 eV (:data:`LIFEPO4_B_SOURCE`); Islam et al.
    2005 (Chem. Mater. 17, 5085) find the same curved b-channel path with
    interatomic potentials.

    Parameters
    ----------
    supercell : sequence of 3 int
        Repetitions of the unit cell; ``(1, 1, 1)`` (27 atoms) runs a CHGNet NEB in
        about a minute on one core, with periodic images of the vacancy 6.0
        Angstrom apart along b.
    """
    _ase()
    from scaleweave.materials.lifepo4 import lifepo4_unit_cell

    unit = lifepo4_unit_cell()
    reps = tuple(int(n) for n in supercell)
    if len(reps) != 3 or min(reps) < 1:
        raise ConfigError(f"supercell must be three positive integers, got {supercell!r}")
    bulk = unit.repeat(reps)
    frac = bulk.get_scaled_positions()
    li = [i for i, a in enumerate(bulk) if a.symbol == "Li"]
    origin = np.zeros(3)
    target = np.array([0.0, 0.5 / reps[1], 0.0])

    def find(point: np.ndarray) -> int:
        d = (frac[li] - point + 0.5) % 1.0 - 0.5
        return li[int(np.argmin(np.linalg.norm(d, axis=1)))]

    hopper, vacancy = find(origin), find(target)
    initial = bulk.copy()
    final = bulk.copy()
    final.positions[hopper] = bulk.positions[vacancy]
    del initial[vacancy]
    del final[vacancy]
    moving = hopper - (1 if vacancy < hopper else 0)
    return HopPath(initial=initial, final=final, moving=(moving,),
                   description=f"Li vacancy hop along [010] in LiFePO4 ({'x'.join(map(str, reps))}"
                               " cell)",
                   reference_barrier=LIFEPO4_B_BARRIER_EV, reference_source=LIFEPO4_B_SOURCE)


# -- settings and result ----------------------------------------------------------------

_OPTIMIZERS = ("FIRE", "BFGS", "MDMin")


@dataclass(frozen=True)
class NEBSettings:
    """How the band is built and relaxed (every field is part of the cache key).

    Parameters
    ----------
    n_images : int
        Interior images (default 5; an odd number puts one on a symmetric saddle).
    fmax : float
        Convergence: largest NEB force on any image (eV/Angstrom).
    max_steps : int
        Optimiser steps before the NEB counts as not converged.
    optimizer : {"FIRE", "BFGS", "MDMin"}
        ASE optimiser of the band (and of the endpoints).
    climb : bool
        Climbing image (the highest image climbs to the saddle).
    method : {"neb", "dyneb"}
        Plain NEB or ASE's DyNEB (skips images that have converged).
    interpolation : {"idpp", "linear"}
        Initial path (image-dependent pair potential, Smidstrup et al. 2014, or linear).
    spring : float
        Spring constant (eV/Angstrom^2).
    relax_endpoints : bool
        Relax initial and final states (fixed cell) before the band.
    endpoint_fmax : float
        Endpoint relaxation threshold (eV/Angstrom).
    vib_cutoff : float
        Atoms within this distance (Angstrom) of a moving atom join the Hessian
        (0: the moving atoms only).
    vib_delta : float
        Finite-difference displacement (Angstrom).
    """

    n_images: int = 5
    fmax: float = 0.05
    max_steps: int = 500
    optimizer: str = "FIRE"
    climb: bool = True
    method: str = "neb"
    interpolation: str = "idpp"
    spring: float = 0.1
    relax_endpoints: bool = True
    endpoint_fmax: float = 0.03
    vib_cutoff: float = 0.0
    vib_delta: float = 0.01

    def __post_init__(self) -> None:
        if int(self.n_images) < 1:
            raise ConfigError(f"NEB n_images must be >= 1, got {self.n_images}")
        if not self.fmax > 0 or not self.endpoint_fmax > 0:
            raise ConfigError(f"NEB fmax and endpoint_fmax must be > 0 eV/Angstrom, got "
                              f"{self.fmax} and {self.endpoint_fmax}")
        if int(self.max_steps) < 0:
            raise ConfigError(f"NEB max_steps must be >= 0, got {self.max_steps}")
        if self.optimizer not in _OPTIMIZERS:
            raise ConfigError(f"NEB optimizer {self.optimizer!r} is not one of {_OPTIMIZERS}")
        if self.method not in ("neb", "dyneb"):
            raise ConfigError(f"NEB method {self.method!r} is not 'neb' or 'dyneb'")
        if self.interpolation not in ("idpp", "linear"):
            raise ConfigError(f"NEB interpolation {self.interpolation!r} is not 'idpp' or "
                              "'linear'")
        if not self.spring > 0 or not self.vib_delta > 0 or self.vib_cutoff < 0:
            raise ConfigError("NEB spring and vib_delta must be > 0 and vib_cutoff >= 0")


@dataclass
class BarrierResult:
    """What one NEB run found.

    Attributes
    ----------
    barrier : float
        Forward barrier ``E_saddle - E_initial`` (eV).
    reaction_energy : float
        ``E_final - E_initial`` (eV).
    path, energies : ndarray
        Reaction coordinate (Angstrom, cumulative distance between images) and
        energies relative to the initial state (eV), one per image.
    saddle : ase.Atoms
        The highest image (the climbing image): the saddle structure.
    residual_force : float
        Largest NEB force on any image at the end (eV/Angstrom).
    fmax : float
        The convergence threshold it was held to (eV/Angstrom).
    n_steps : int
        Optimiser steps taken.
    attempt_frequency : float
        Vineyard prefactor, or the given one (Hz).
    freq_initial, freq_saddle : ndarray
        Harmonic frequencies (Hz) of the selected atoms; imaginary modes are
        reported as negative numbers. Empty when the prefactor was given.
    n_imaginary : int
        Imaginary modes at the saddle (1 for a first-order saddle; -1 if not computed).
    vib_indices : tuple of int
        Atoms whose modes were computed.
    """

    barrier: float
    reaction_energy: float
    path: np.ndarray
    energies: np.ndarray
    saddle: Atoms
    residual_force: float
    fmax: float
    n_steps: int
    attempt_frequency: float
    freq_initial: np.ndarray = field(default_factory=lambda: np.zeros(0))
    freq_saddle: np.ndarray = field(default_factory=lambda: np.zeros(0))
    n_imaginary: int = -1
    vib_indices: tuple[int, ...] = ()

    def validity(self, bridge: str = "barrier") -> list[Validity]:
        """The diagnostics: residual force vs ``fmax``; ``|imaginary modes - 1| <= 0``."""
        return _validity(bridge, self.residual_force, self.fmax, self.n_imaginary)


def _validity(bridge: str, residual: float, fmax: float, n_imag: int) -> list[Validity]:
    out = [Validity(bridge, "NEB residual force (eV/Angstrom) vs fmax", float(residual),
                    float(fmax))]
    if n_imag >= 0:
        out.append(Validity(bridge, "|imaginary modes at saddle - 1|", float(abs(n_imag - 1)),
                            0.0))
    return out


# -- vibrations -------------------------------------------------------------------------

def harmonic_frequencies(atoms: Atoms, indices: Sequence[int], calc: Calculator,
                         delta: float = 0.01) -> np.ndarray:
    """Harmonic frequencies (Hz) of ``indices`` from a finite-difference Hessian.

    Uses ``ase.vibrations.Vibrations`` (central differences, ``nfree=2``) in a
    temporary folder; the other atoms stay put. Imaginary modes come back as
    negative numbers (minus their magnitude), sorted ascending.
    """
    _ase()
    from ase.vibrations import Vibrations

    work = atoms.copy()
    work.calc = calc
    with tempfile.TemporaryDirectory(prefix="scaleweave-vib-") as folder:
        vib = Vibrations(work, indices=list(indices), delta=float(delta), nfree=2,
                         name=str(Path(folder) / "vib"))
        with contextlib.redirect_stdout(None):
            vib.run()
        energies = np.asarray(vib.get_energies(), dtype=complex)  # eV
    signed = np.where(np.abs(energies.imag) > _IMAG_TOL_EV, -np.abs(energies.imag),
                      np.abs(energies.real))
    return np.sort(signed / _H_EV)


def vineyard_prefactor(freq_initial: np.ndarray, freq_saddle: np.ndarray) -> float:
    """Vineyard's attempt frequency (Hz): product of initial over real saddle frequencies.

    Parameters
    ----------
    freq_initial : ndarray
        The ``N`` frequencies (Hz) at the minimum.
    freq_saddle : ndarray
        The ``N`` frequencies (Hz) at the saddle, imaginary ones negative. The
        lowest one (the imaginary mode of a first-order saddle) is left out.

    Examples
    --------
    >>> nu = vineyard_prefactor(np.array([2e12, 5e12, 5e12]), np.array([-1e12, 5e12, 5e12]))
    >>> f"{nu:.6e}"  # the product over logs, exact to round-off
    '2.000000e+12'
    """
    fi = np.sort(np.asarray(freq_initial, dtype=float))
    fs = np.sort(np.asarray(freq_saddle, dtype=float))
    if fi.size != fs.size or fi.size == 0:
        raise ConfigError(f"Vineyard needs the same number (> 0) of modes at minimum and saddle,"
                          f" got {fi.size} and {fs.size}")
    real_saddle = np.abs(fs[1:])
    if np.any(fi <= 0) or np.any(real_saddle <= 0):
        warnings.warn("Vineyard prefactor: the minimum has an imaginary mode or the saddle "
                      "more than one; using magnitudes", ValidityWarning, stacklevel=2)
    return float(np.exp(np.sum(np.log(np.abs(fi))) - np.sum(np.log(real_saddle))))


# -- the NEB ----------------------------------------------------------------------------

def _optimizer(name: str) -> Any:
    from ase import optimize

    return getattr(optimize, name)


def _relax(atoms: Atoms, calc: Calculator, settings: NEBSettings, which: str) -> Atoms:
    from ase.calculators.singlepoint import SinglePointCalculator

    work = atoms.copy()
    work.calc = calc
    if settings.relax_endpoints:
        opt = _optimizer(settings.optimizer)(work, logfile=None)
        if not opt.run(fmax=settings.endpoint_fmax, steps=max(int(settings.max_steps), 200)):
            f = float(np.linalg.norm(work.get_forces(), axis=1).max())
            raise ModelError(f"barrier: relaxing the {which} state did not converge: largest "
                             f"force {f:.3g} eV/Angstrom > {settings.endpoint_fmax} after "
                             f"{opt.nsteps} steps")
    energy = work.get_potential_energy()
    forces = work.get_forces(apply_constraint=False)
    work.calc = SinglePointCalculator(work, energy=energy, forces=forces)
    return work


def neb_barrier(path: HopPath, calculator: str = "emt", settings: NEBSettings | None = None,
                *, attempt_frequency: float | None = None,
                calculator_options: dict[str, Any] | None = None) -> BarrierResult:
    """Barrier, energy profile, saddle and attempt frequency of one hop.

    Parameters
    ----------
    path : HopPath
        The hop's end states.
    calculator : str
        Calculator name (:func:`make_calculator`).
    settings : NEBSettings, optional
        Band and relaxation settings (defaults: 5 images, fmax 0.05 eV/Angstrom).
    attempt_frequency : float, optional
        A given prefactor (Hz); skips the vibrational analysis.
    calculator_options : dict, optional
        Passed to the calculator's constructor.

    Returns
    -------
    BarrierResult

    Raises
    ------
    ModelError
        The band (or an endpoint relaxation) did not converge; the message gives
        the residual force.
    MissingExtraError
        The calculator is not installed.
    """
    settings = settings or NEBSettings()
    opts = dict(calculator_options or {})
    _ase()
    from ase.constraints import FixAtoms
    from ase.mep import NEB, DyNEB
    from ase.utils.forcecurve import fit_images

    def calc() -> Calculator:
        return make_calculator(calculator, **opts)

    fixed = path.fixed()
    initial = _relax(path.initial, calc(), settings, "initial")
    final = _relax(path.final, calc(), settings, "final")
    images = [initial]
    for _ in range(int(settings.n_images)):
        image = initial.copy()
        if fixed:
            image.set_constraint(FixAtoms(indices=fixed))
        image.calc = calc()
        images.append(image)
    images.append(final)
    common = {"k": settings.spring, "climb": settings.climb, "method": "improvedtangent"}
    if settings.method == "dyneb":
        band = DyNEB(images, fmax=settings.fmax, dynamic_relaxation=True, **common)
    else:
        band = NEB(images, **common)
    if settings.interpolation == "idpp":
        with contextlib.redirect_stdout(None):
            band.interpolate("idpp", mic=True)
    else:
        band.interpolate(mic=True)
    opt = _optimizer(settings.optimizer)(band, logfile=None)
    converged = bool(opt.run(fmax=settings.fmax, steps=int(settings.max_steps)))
    residual = _residual(band)
    if not converged or residual > settings.fmax * (1 + 1e-9):
        raise ModelError(
            f"barrier: the NEB for {path.description or 'the hop'} with {calculator!r} did not "
            f"converge: residual force {residual:.4g} eV/Angstrom > fmax {settings.fmax} after "
            f"{opt.nsteps} steps (raise max_steps, add images, or check the end states)")
    energies = np.array([im.get_potential_energy() for im in images], dtype=float)
    fit = fit_images(images)
    top = 1 + int(np.argmax(energies[1:-1]))
    saddle = images[top].copy()
    saddle.calc = None
    result = BarrierResult(
        barrier=float(energies[top] - energies[0]),
        reaction_energy=float(energies[-1] - energies[0]),
        path=np.asarray(fit.path, dtype=float),
        energies=np.asarray(energies - energies[0], dtype=float),
        saddle=saddle, residual_force=residual, fmax=float(settings.fmax),
        n_steps=int(opt.nsteps), attempt_frequency=math.nan)
    if attempt_frequency is not None:
        if not attempt_frequency > 0:
            raise ConfigError(f"attempt_frequency must be > 0 Hz, got {attempt_frequency}")
        result.attempt_frequency = float(attempt_frequency)
        return result
    indices = _vib_indices(initial, path.moving, settings.vib_cutoff, fixed)
    f_min = harmonic_frequencies(initial, indices, calc(), settings.vib_delta)
    f_sad = harmonic_frequencies(images[top], indices, calc(), settings.vib_delta)
    result.freq_initial, result.freq_saddle = f_min, f_sad
    result.n_imaginary = int(np.sum(f_sad < 0))
    result.vib_indices = tuple(indices)
    if result.n_imaginary != 1 or np.any(f_min < 0):
        warnings.warn(f"barrier: the saddle of {path.description or 'the hop'} has "
                      f"{result.n_imaginary} imaginary modes (a first-order saddle has 1) and the "
                      f"minimum {int(np.sum(f_min < 0))}", ValidityWarning, stacklevel=2)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ValidityWarning)
        result.attempt_frequency = vineyard_prefactor(f_min, f_sad)
    return result


def _residual(band: Any) -> float:
    """Largest NEB force (eV/Angstrom) on any interior image, climbing image included."""
    res = getattr(band, "residuals", None)
    if res is not None and np.size(res) > 0:
        return float(np.max(res))
    forces = np.asarray(band.get_forces()).reshape(-1, 3)
    return float(np.sqrt((forces ** 2).sum(axis=1).max())) if forces.size else 0.0


def _vib_indices(atoms: Atoms, moving: Sequence[int], cutoff: float,
                 fixed: Sequence[int]) -> list[int]:
    chosen = set(int(i) for i in moving)
    if cutoff > 0:
        for i in moving:
            d = atoms.get_distances(int(i), list(range(len(atoms))), mic=True)
            chosen.update(int(j) for j in np.flatnonzero(d <= cutoff))
    return sorted(chosen - set(int(i) for i in fixed) | set(int(i) for i in moving))


# -- the study model --------------------------------------------------------------------

class BarrierModel(Model):
    """The NEB barrier of one hop as a cacheable study model (no inputs).

    Parameters
    ----------
    path : HopPath
        The hop.
    calculator : str
        Calculator name (:func:`make_calculator`).
    settings : NEBSettings, optional
        NEB settings.
    attempt_frequency : float, optional
        Given prefactor (Hz) instead of Vineyard's.
    calculator_options : dict, optional
        Constructor options of the calculator (numbers and strings; part of the key).
    name : str
        Instance name in a study.

    Notes
    -----
    Outputs (display units; the kernel returns SI): ``barrier`` (eV),
    ``attempt_frequency`` (Hz), ``reaction_energy`` (eV), ``reaction_coordinate``
    (Angstrom, one per image), ``energy_profile`` (eV relative to the initial state),
    ``saddle_positions`` (Angstrom, ``n_atoms x 3``; numbers and cell are those of
    ``path.initial``), ``residual_force`` (eV/Angstrom) and ``imaginary_modes`` (count
    at the saddle, -1 when the prefactor is given). The last two feed
    :meth:`diagnose`, so the diagnostics survive a cache hit.
    """

    outputs: ClassVar[tuple[Port, ...]] = (
        Port("barrier", "eV", description="forward hop barrier E_saddle - E_initial"),
        Port("attempt_frequency", "Hz", description="harmonic TST (Vineyard) prefactor"),
        Port("reaction_energy", "eV", description="E_final - E_initial"),
        Port("reaction_coordinate", "angstrom", ("n_path",),
             description="cumulative image distance along the band"),
        Port("energy_profile", "eV", ("n_path",), description="image energies - E_initial"),
        Port("saddle_positions", "angstrom", ("n_atoms", 3), description="saddle structure"),
        Port("residual_force", "eV/angstrom", description="largest NEB force at the end"),
        Port("imaginary_modes", "", description="imaginary modes at the saddle (1 expected)"),
    )
    length_scale = 3e-10
    time_scale = 1e-13
    cacheable = True
    code_version = "1"
    identity = "rates.neb_barrier"
    diagnostics = (Diagnostic("NEB residual force (eV/Angstrom) vs fmax", "residual_force",
                              "fmax", "le", scale=_ANGSTROM / _EV),)

    def __init__(self, *, path: HopPath, calculator: str = "emt",
                 settings: NEBSettings | None = None,
                 attempt_frequency: float | None = None,
                 calculator_options: dict[str, Any] | None = None,
                 name: str = "barrier") -> None:
        if str(calculator).lower() not in CALCULATORS:
            raise ConfigError(f"unknown calculator {calculator!r}; choose one of "
                              f"{sorted(CALCULATORS)}")
        self.path = path
        self.calculator = str(calculator).lower()
        self.settings = settings
        self._settings = settings or NEBSettings()
        self.attempt_frequency = attempt_frequency
        self.calculator_options = dict(calculator_options or {})
        self.name = name

    def cache_parameters(self) -> dict[str, Any]:
        """Structures, calculator (name, options, package version) and NEB settings."""
        return {"hop": self.path.key(), "calculator": self.calculator,
                "calculator_version": _calculator_version(self.calculator),
                "calculator_options": self.calculator_options,
                "settings": asdict(self._settings),
                "attempt_frequency": (None if self.attempt_frequency is None
                                      else float(self.attempt_frequency))}

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        with warnings.catch_warnings():
            # CHGNet converts a tensor that requires grad inside its own code: noise to
            # a user, harmless to the energies and forces.
            warnings.filterwarnings("ignore", message="Converting a tensor with requires_grad",
                                    category=UserWarning)
            res = neb_barrier(self.path, self.calculator, self._settings,
                              attempt_frequency=self.attempt_frequency,
                              calculator_options=self.calculator_options)
        return {
            "barrier": res.barrier * _EV,
            "attempt_frequency": res.attempt_frequency,
            "reaction_energy": res.reaction_energy * _EV,
            "reaction_coordinate": res.path * _ANGSTROM,
            "energy_profile": res.energies * _EV,
            "saddle_positions": np.asarray(res.saddle.positions) * _ANGSTROM,
            "residual_force": res.residual_force * _EV / _ANGSTROM,
            "imaginary_modes": float(res.n_imaginary),
        }

    @property
    def fmax(self) -> float:
        """The NEB force tolerance (eV/Angstrom): the limit of the residual force."""
        return float(self._settings.fmax)

    def diagnose(self, outputs: Any, *, label: str | None = None) -> list[Validity]:
        """The residual force (declared) and exactly one imaginary mode at the saddle.

        From the SI ``outputs`` alone, so they hold after a cache hit.
        """
        checks = super().diagnose(outputs, label=label)
        n_imag = round(float(np.max(outputs["imaginary_modes"])))
        if n_imag >= 0:  # -1: the prefactor was given, no modes were computed
            checks.append(Validity(label or self.name, "|imaginary modes at saddle - 1|",
                                   float(abs(n_imag - 1)), 0.0))
        return checks


def _calculator_version(name: str) -> str:
    module = {"emt": "ase", "chgnet": "chgnet", "gpaw": "gpaw"}[name]
    try:
        return str(importlib.import_module(module).__version__)
    except (ImportError, AttributeError):
        return "not installed"
