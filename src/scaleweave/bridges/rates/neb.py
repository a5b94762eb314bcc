"""The climbing-image nudged elastic band of the barrier bridge: settings, run, result.

For one hop (a :class:`~scaleweave.bridges.rates.hops.HopPath`), :func:`neb_barrier`
relaxes the end states, builds and relaxes a climbing-image NEB (Henkelman,
Uberuaga & Jonsson 2000, J. Chem. Phys. 113, 9901; ASE's ``ase.mep.NEB`` /
``DyNEB``) with a calculator chosen by name
(:func:`~scaleweave.bridges.rates.calculators.make_calculator`), and, unless an
attempt frequency is given, computes Vineyard's prefactor
(:mod:`scaleweave.bridges.rates.vineyard`) at the initial minimum and the saddle.

A band (or an endpoint relaxation) that does not converge raises
:class:`~scaleweave.errors.ModelError` with the residual force. The regime
diagnostics (residual force vs ``fmax``, one imaginary mode at the saddle, none at
the minimum) are returned by :meth:`BarrierResult.validity`; ``neb_barrier``'s
``validity`` policy decides whether they also warn or raise.

Units: energies in eV, lengths in Angstrom, forces in eV/Angstrom, frequencies in Hz.
"""

from __future__ import annotations

import contextlib
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from scaleweave.bridges.rates.calculators import make_calculator, require_ase
from scaleweave.bridges.rates.hops import HopPath
from scaleweave.bridges.rates.vineyard import harmonic_frequencies, vineyard_prefactor
from scaleweave.core.checks import Validity, apply_validity_policy
from scaleweave.errors import ConfigError, ModelError

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

__all__ = [
    "NEB_MINIMUM_MODES",
    "NEB_RESIDUAL",
    "NEB_SADDLE_MODES",
    "BarrierResult",
    "NEBSettings",
    "neb_barrier",
    "neb_validity",
]

#: Diagnostic: the NEB's largest residual force against its ``fmax``.
NEB_RESIDUAL = "NEB residual force (eV/Angstrom) vs fmax"
#: Diagnostic: how far the saddle is from first order (a first-order saddle has 1).
NEB_SADDLE_MODES = "|imaginary modes at saddle - 1|"
#: Diagnostic: imaginary modes at the initial minimum (a minimum has none).
NEB_MINIMUM_MODES = "imaginary modes at the initial minimum"

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
    n_imaginary_initial : int
        Imaginary modes at the initial minimum (0 for a minimum; -1 if not computed).
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
    n_imaginary_initial: int = -1

    def validity(self, bridge: str = "barrier") -> list[Validity]:
        """The diagnostics of the run.

        Parameters
        ----------
        bridge : str
            Who reports them.

        Returns
        -------
        list of Validity
            :data:`NEB_RESIDUAL` (residual force <= ``fmax``) and, when the modes
            were computed, :data:`NEB_SADDLE_MODES` (``|n - 1| <= 0``) and
            :data:`NEB_MINIMUM_MODES` (``n <= 0``).
        """
        return neb_validity(bridge, self.residual_force, self.fmax, self.n_imaginary,
                            self.n_imaginary_initial)


def neb_validity(bridge: str, residual: float, fmax: float, n_saddle: int,
                 n_minimum: int = -1) -> list[Validity]:
    """The NEB's diagnostics from its numbers (a negative mode count: not computed).

    Parameters
    ----------
    bridge : str
        Who reports them.
    residual, fmax : float
        Largest residual force and its threshold (eV/Angstrom).
    n_saddle, n_minimum : int
        Imaginary modes at the saddle and at the initial minimum (-1: not computed).

    Returns
    -------
    list of Validity
        As :meth:`BarrierResult.validity`.
    """
    out = [Validity(bridge, NEB_RESIDUAL, float(residual), float(fmax))]
    if n_saddle >= 0:
        out.append(Validity(bridge, NEB_SADDLE_MODES, float(abs(n_saddle - 1)), 0.0))
    if n_minimum >= 0:
        out.append(Validity(bridge, NEB_MINIMUM_MODES, float(n_minimum), 0.0))
    return out


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
                calculator_options: dict[str, Any] | None = None,
                validity: str = "record") -> BarrierResult:
    """Barrier, energy profile, saddle and attempt frequency of one hop.

    Parameters
    ----------
    path : HopPath
        The hop's end states.
    calculator : str
        Calculator name (:func:`~scaleweave.bridges.rates.calculators.make_calculator`).
    settings : NEBSettings, optional
        Band and relaxation settings (defaults: 5 images, fmax 0.05 eV/Angstrom).
    attempt_frequency : float, optional
        A given prefactor (Hz); skips the vibrational analysis.
    calculator_options : dict, optional
        Passed to the calculator's constructor.
    validity : {"record", "warn", "raise"}
        What a diagnostic of :meth:`BarrierResult.validity` outside its limit does
        (:func:`~scaleweave.core.checks.apply_validity_policy`): only recorded in
        the result (the default), also a :class:`~scaleweave.errors.ValidityWarning`
        (e.g. a saddle with two imaginary modes, or a minimum with one), or a
        :class:`~scaleweave.errors.ValidityError`.

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
    ValidityError
        With ``validity="raise"``, a diagnostic outside its limit.
    """
    settings = settings or NEBSettings()
    opts = dict(calculator_options or {})
    require_ase()
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
    else:
        indices = _vib_indices(initial, path.moving, settings.vib_cutoff, fixed)
        f_min = harmonic_frequencies(initial, indices, calc(), settings.vib_delta)
        f_sad = harmonic_frequencies(images[top], indices, calc(), settings.vib_delta)
        result.freq_initial, result.freq_saddle = f_min, f_sad
        result.n_imaginary = int(np.sum(f_sad < 0))
        result.n_imaginary_initial = int(np.sum(f_min < 0))
        result.vib_indices = tuple(indices)
        # the mode counts are this result's diagnostics; Vineyard's own only repeat them
        result.attempt_frequency = vineyard_prefactor(f_min, f_sad)
    apply_validity_policy(result.validity(), validity, stacklevel=2)
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
