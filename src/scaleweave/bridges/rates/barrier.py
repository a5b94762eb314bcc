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
given. Validity diagnostics: the NEB's residual force against its ``fmax``, whether
the saddle has exactly one imaginary mode, and whether the initial minimum has none
(:meth:`BarrierResult.validity`, :meth:`BarrierModel.diagnose`).

A NEB that does not reach ``fmax`` in ``max_steps`` raises
:class:`~scaleweave.errors.ModelError` with the residual force, so no result (and no
cache entry) is written. As a study model (:class:`BarrierModel`) the run is
``cacheable``: the content-hash key holds the structures, the calculator name and
every NEB setting, so ``Study.run(cache=...)`` computes a barrier once.

The pieces live in their own modules and are re-exported here:
:mod:`~scaleweave.bridges.rates.calculators` (calculators by name),
:mod:`~scaleweave.bridges.rates.hops` (the end states of a hop),
:mod:`~scaleweave.bridges.rates.neb` (the band: settings, run, result) and
:mod:`~scaleweave.bridges.rates.vineyard` (frequencies and the prefactor); this module
holds the study model.

Units: energies in eV, lengths in Angstrom, forces in eV/Angstrom, frequencies in
Hz at the functions; :class:`BarrierModel`'s kernel returns SI.
"""

from __future__ import annotations

import warnings
from dataclasses import asdict
from typing import Any, ClassVar

import numpy as np

# The pieces' names, re-exported where their users have always imported them. They
# are listed in their own modules' __all__ only: a name in two __all__ of one package
# would be exported twice by the lazy package exports (an error).
from scaleweave.bridges.rates.calculators import CALCULATORS as CALCULATORS
from scaleweave.bridges.rates.calculators import calculator_version
from scaleweave.bridges.rates.calculators import make_calculator as make_calculator
from scaleweave.bridges.rates.hops import LIFEPO4_B_BARRIER_EV as LIFEPO4_B_BARRIER_EV
from scaleweave.bridges.rates.hops import LIFEPO4_B_SOURCE as LIFEPO4_B_SOURCE
from scaleweave.bridges.rates.hops import HopPath as HopPath
from scaleweave.bridges.rates.hops import au_al100_adatom_hop as au_al100_adatom_hop
from scaleweave.bridges.rates.hops import lifepo4_b_channel_hop as lifepo4_b_channel_hop
from scaleweave.bridges.rates.neb import NEB_MINIMUM_MODES as NEB_MINIMUM_MODES
from scaleweave.bridges.rates.neb import NEB_RESIDUAL as NEB_RESIDUAL
from scaleweave.bridges.rates.neb import NEB_SADDLE_MODES as NEB_SADDLE_MODES
from scaleweave.bridges.rates.neb import BarrierResult as BarrierResult
from scaleweave.bridges.rates.neb import NEBSettings as NEBSettings
from scaleweave.bridges.rates.neb import neb_barrier as neb_barrier
from scaleweave.bridges.rates.vineyard import harmonic_frequencies as harmonic_frequencies
from scaleweave.bridges.rates.vineyard import vineyard_prefactor as vineyard_prefactor
from scaleweave.bridges.rates.vineyard import vineyard_validity as vineyard_validity
from scaleweave.core.checks import Validity
from scaleweave.core.constants import ELECTRON_VOLT as _EV
from scaleweave.core.model import Diagnostic, Model, Port
from scaleweave.errors import ConfigError

__all__ = ["BarrierModel"]

_ANGSTROM = 1e-10  # m


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
    ``path.initial``), ``residual_force`` (eV/Angstrom), ``imaginary_modes`` (count
    at the saddle) and ``minimum_imaginary_modes`` (count at the initial minimum;
    both -1 when the prefactor is given). The last three feed :meth:`diagnose`, so
    the diagnostics survive a cache hit; the kernel itself does not warn.
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
        Port("minimum_imaginary_modes", "",
             description="imaginary modes at the initial minimum (0 expected)"),
    )
    length_scale = 3e-10
    time_scale = 1e-13
    cacheable = True
    # 2: the minimum's imaginary modes became an output (a diagnostic, once a warning)
    code_version = "2"
    identity = "rates.neb_barrier"
    diagnostics = (Diagnostic(NEB_RESIDUAL, "residual_force", "fmax", "le",
                              scale=_ANGSTROM / _EV),)

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
                "calculator_version": calculator_version(self.calculator),
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
            "minimum_imaginary_modes": float(res.n_imaginary_initial),
        }

    @property
    def fmax(self) -> float:
        """The NEB force tolerance (eV/Angstrom): the limit of the residual force."""
        return float(self._settings.fmax)

    def diagnose(self, outputs: Any, *, label: str | None = None) -> list[Validity]:
        """The residual force (declared) and the mode counts at saddle and minimum.

        From the SI ``outputs`` alone, so they hold after a cache hit.

        Parameters
        ----------
        outputs : mapping
            The model's SI outputs.
        label : str, optional
            Who reports them (default: the model's name).

        Returns
        -------
        list of Validity
            :data:`NEB_RESIDUAL`, then, when the modes were computed,
            :data:`NEB_SADDLE_MODES` (exactly one imaginary mode at the saddle) and
            :data:`NEB_MINIMUM_MODES` (none at the initial minimum).
        """
        who = label or self.name
        checks = super().diagnose(outputs, label=label)
        n_saddle = round(float(np.max(outputs["imaginary_modes"])))
        if n_saddle >= 0:  # -1: the prefactor was given, no modes were computed
            checks.append(Validity(who, NEB_SADDLE_MODES, float(abs(n_saddle - 1)), 0.0))
        n_min = round(float(np.max(outputs["minimum_imaginary_modes"])))
        if n_min >= 0:
            checks.append(Validity(who, NEB_MINIMUM_MODES, float(n_min), 0.0))
        return checks
