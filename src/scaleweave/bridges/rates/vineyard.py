"""Harmonic transition-state theory for the barrier bridge: Vineyard's attempt frequency.

The attempt frequency of one hop from harmonic transition-state theory (Vineyard
1957, J. Phys. Chem. Solids 3, 121)

.. math:: \\nu^* = \\prod_{i=1}^{3n} \\nu_i^{\\rm initial} \\Big/
          \\prod_{i=1}^{3n-1} \\nu_i^{\\rm saddle},

over the ``3n`` vibrational modes of the selected atoms, from finite-difference
Hessians (:func:`harmonic_frequencies`, ``ase.vibrations.Vibrations``).

Validity (:func:`vineyard_validity`): the formula holds for a true minimum (no
imaginary mode) and a first-order saddle (exactly one); otherwise
:func:`vineyard_prefactor` uses the magnitudes of the offending modes and the
diagnostics say so. Frequencies are in Hz, displacements in Angstrom.
"""

from __future__ import annotations

import contextlib
import tempfile
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np

from scaleweave.bridges.rates.calculators import require_ase
from scaleweave.core.checks import Validity, apply_validity_policy
from scaleweave.errors import ConfigError

if TYPE_CHECKING:
    from ase import Atoms
    from ase.calculators.calculator import Calculator

__all__ = ["VINEYARD_MINIMUM", "VINEYARD_SADDLE", "harmonic_frequencies", "vineyard_prefactor",
           "vineyard_validity"]

_H_EV = 4.135667696e-15  # Planck constant, eV s
_IMAG_TOL_EV = 1e-3  # an |imaginary part| above 1 meV (8 cm-1) counts as an imaginary mode

#: Diagnostic of :func:`vineyard_validity`: imaginary (or zero) modes at the minimum.
VINEYARD_MINIMUM = "Vineyard prefactor: imaginary modes at the minimum (magnitudes used)"
#: Diagnostic of :func:`vineyard_validity`: imaginary (or zero) saddle modes but the lowest.
VINEYARD_SADDLE = ("Vineyard prefactor: imaginary modes at the saddle beyond the first "
                   "(magnitudes used)")


def harmonic_frequencies(atoms: Atoms, indices: Sequence[int], calc: Calculator,
                         delta: float = 0.01) -> np.ndarray:
    """Harmonic frequencies (Hz) of ``indices`` from a finite-difference Hessian.

    Uses ``ase.vibrations.Vibrations`` (central differences, ``nfree=2``) in a
    temporary folder; the other atoms stay put.

    Parameters
    ----------
    atoms : ase.Atoms
        The structure (a minimum or a saddle).
    indices : sequence of int
        Atoms whose ``3 len(indices)`` modes are computed.
    calc : ase.calculators.calculator.Calculator
        The calculator of the energies and forces.
    delta : float
        Finite-difference displacement (Angstrom).

    Returns
    -------
    ndarray
        Frequencies (Hz), sorted ascending; imaginary modes come back as negative
        numbers (minus their magnitude).
    """
    require_ase()
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


def _modes(freq_initial: np.ndarray, freq_saddle: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    fi = np.sort(np.asarray(freq_initial, dtype=float))
    fs = np.sort(np.asarray(freq_saddle, dtype=float))
    if fi.size != fs.size or fi.size == 0:
        raise ConfigError(f"Vineyard needs the same number (> 0) of modes at minimum and saddle,"
                          f" got {fi.size} and {fs.size}")
    return fi, fs


def vineyard_validity(freq_initial: np.ndarray, freq_saddle: np.ndarray, *,
                      bridge: str = "vineyard") -> list[Validity]:
    """Whether Vineyard's formula applies: a true minimum and a first-order saddle.

    Parameters
    ----------
    freq_initial, freq_saddle : ndarray
        As in :func:`vineyard_prefactor`.
    bridge : str
        Who reports the diagnostics.

    Returns
    -------
    list of Validity
        :data:`VINEYARD_MINIMUM`: the imaginary (or zero) modes at the minimum;
        :data:`VINEYARD_SADDLE`: those at the saddle besides its lowest one. Each
        is a count with limit 0; where one fails, :func:`vineyard_prefactor` uses
        the magnitudes of those modes.

    Raises
    ------
    ConfigError
        Different (or zero) numbers of modes at minimum and saddle.

    Examples
    --------
    >>> [v.ok for v in vineyard_validity(np.array([2e12, 5e12]), np.array([-1e12, -5e12]))]
    [True, False]
    """
    fi, fs = _modes(freq_initial, freq_saddle)
    return [Validity(bridge, VINEYARD_MINIMUM, float(np.sum(fi <= 0)), 0.0),
            Validity(bridge, VINEYARD_SADDLE, float(np.sum(fs[1:] <= 0)), 0.0)]


def vineyard_prefactor(freq_initial: np.ndarray, freq_saddle: np.ndarray, *,
                       validity: str = "record") -> float:
    """Vineyard's attempt frequency (Hz): product of initial over real saddle frequencies.

    Parameters
    ----------
    freq_initial : ndarray
        The ``N`` frequencies (Hz) at the minimum.
    freq_saddle : ndarray
        The ``N`` frequencies (Hz) at the saddle, imaginary ones negative. The
        lowest one (the imaginary mode of a first-order saddle) is left out.
    validity : {"record", "warn", "raise"}
        What :func:`vineyard_validity` outside its limits does
        (:func:`~scaleweave.core.checks.apply_validity_policy`): nothing here (the
        default; call :func:`vineyard_validity` for the entries), a
        :class:`~scaleweave.errors.ValidityWarning`, or a
        :class:`~scaleweave.errors.ValidityError`.

    Returns
    -------
    float
        The prefactor (Hz); imaginary modes other than the saddle's lowest enter
        with their magnitudes.

    Raises
    ------
    ConfigError
        Different (or zero) numbers of modes at minimum and saddle.
    ValidityError
        With ``validity="raise"``, when the minimum has an imaginary mode or the
        saddle more than one.

    Examples
    --------
    >>> nu = vineyard_prefactor(np.array([2e12, 5e12, 5e12]), np.array([-1e12, 5e12, 5e12]))
    >>> f"{nu:.6e}"  # the product over logs, exact to round-off
    '2.000000e+12'
    """
    fi, fs = _modes(freq_initial, freq_saddle)
    apply_validity_policy(vineyard_validity(fi, fs), validity, stacklevel=2)
    real_saddle = np.abs(fs[1:])
    return float(np.exp(np.sum(np.log(np.abs(fi))) - np.sum(np.log(real_saddle))))
