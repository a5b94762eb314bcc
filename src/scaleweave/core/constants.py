"""Physical constants in SI units: one place, exact CODATA/SI-2019 values from SciPy.

Kernels work in SI, so these are plain floats. ``ELECTRON_VOLT`` doubles as the
elementary charge in J/eV.

Examples
--------
>>> round(BOLTZMANN * 300.0 / ELECTRON_VOLT, 6)  # kT at 300 K in eV
0.025852
"""

from __future__ import annotations

from scipy import constants as _c

__all__ = ["ANGSTROM", "AVOGADRO", "BOLTZMANN", "ELECTRON_VOLT", "ELEMENTARY_CHARGE",
           "FARADAY", "GAS_CONSTANT", "PLANCK"]

#: Boltzmann constant (J/K), exact.
BOLTZMANN: float = _c.k
#: Elementary charge (C), exact.
ELEMENTARY_CHARGE: float = _c.e
#: One electron volt (J), exact.
ELECTRON_VOLT: float = _c.eV
#: Avogadro constant (1/mol), exact.
AVOGADRO: float = _c.N_A
#: Planck constant (J s), exact.
PLANCK: float = _c.h
#: Faraday constant (C/mol), exact.
FARADAY: float = _c.physical_constants["Faraday constant"][0]
#: Molar gas constant (J/(mol K)), exact.
GAS_CONSTANT: float = _c.R
#: One angstrom (m).
ANGSTROM: float = _c.angstrom
