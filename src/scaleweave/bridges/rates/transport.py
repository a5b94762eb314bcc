"""Transport bridge: diffusivities from trajectories, and conductivity from diffusivity or drift.

From the hopping scale to the continuum:

- Einstein: ``D = <r^2> / (2 d t)`` from the slope of a mean-square displacement;
  for an uncorrelated random walk with total jump rate ``Gamma`` and jump length
  ``a``, ``D = Gamma a^2 / (2 d)``.
- Nernst-Einstein: ``sigma = n q^2 D_sigma / (kB T)`` with the *collective* (charge)
  diffusivity ``D_sigma = D* / H`` (``H`` the Haven ratio).
- Drift: ``sigma = n q mu`` with the mobility ``mu = v / E`` measured under a field.

The two routes to ``sigma`` are the two places the electric field can enter: at the
hopping scale (drift) or at the continuum scale (Ohm's law ``j = sigma E`` with a
field-free ``sigma``). A study must pick one; the models below tag their field ports
``driving_force="electric_field"`` so :meth:`scaleweave.core.study.Study.validate`
refuses a graph that applies it twice.

Functions take SI floats or pint quantities (converted at the boundary) and return
SI floats; the :class:`~scaleweave.core.model.Model` versions carry the units on
their ports.

Validity: the Nernst-Einstein relation is linear response: the field's work over
one hop must be small against ``kB T``; :func:`linear_response_validity` reports
``q E a / (kB T)`` against 0.1.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pint

from scaleweave.core.model import Model, Port
from scaleweave.core.units import parse_quantity, to_si
from scaleweave.errors import ConfigError

__all__ = [
    "DriftConductivityModel",
    "FickDiffusivityModel",
    "NernstEinsteinModel",
    "OhmicConductorModel",
    "diffusivity_from_msd",
    "drift_conductivity",
    "lattice_gas_thermodynamic_factor",
    "linear_response_validity",
    "nernst_einstein_conductivity",
    "random_walk_diffusivity",
]

from scaleweave.core.constants import BOLTZMANN as _KB
from scaleweave.core.constants import ELEMENTARY_CHARGE as _E
from scaleweave.engines.lattice.kmc import linear_response_validity


def _si(value: Any, unit: str, name: str) -> Any:
    if isinstance(value, (pint.Quantity, str)):
        q = parse_quantity(value, unit)
        return to_si(q.magnitude, str(q.units), unit, where=f"transport bridge {name}")
    return value


def _positive(value: Any, name: str, unit: str) -> np.ndarray:
    arr = np.asarray(value, dtype=float)
    if np.any(~np.isfinite(arr)) or np.any(arr <= 0):
        raise ConfigError(f"transport bridge: {name} must be positive and finite ({unit}), "
                          f"got {arr.tolist()}")
    return arr


def _out(x: Any) -> Any:
    return float(x) if np.ndim(x) == 0 else x


def random_walk_diffusivity(jump_rate: Any, jump_length: Any, dim: int = 3) -> Any:
    """Uncorrelated random walk: ``D = Gamma a^2 / (2 d)`` (m^2/s).

    Parameters
    ----------
    jump_rate : float, array or quantity
        Total jump frequency ``Gamma`` of a walker (1/s; for a lattice with ``z`` hop
        paths of rate ``w`` each, ``Gamma = z w``).
    jump_length : float, array or quantity
        Jump length ``a`` (m).
    dim : int
        Dimension ``d`` (1, 2 or 3).

    Examples
    --------
    >>> d = random_walk_diffusivity(6.312e8, "3 angstrom", 3)
    >>> f"{d * 1e4:.3g} cm^2/s"
    '9.47e-08 cm^2/s'
    """
    if dim not in (1, 2, 3):
        raise ConfigError(f"transport bridge: dim must be 1, 2 or 3, got {dim}")
    rate = _positive(_si(jump_rate, "1/s", "jump rate"), "jump rate", "1/s")
    a = _positive(_si(jump_length, "m", "jump length"), "jump length", "m")
    return _out(rate * a**2 / (2 * dim))


def diffusivity_from_msd(times: Any, msd: Any, dim: int, *, t_min: float = 0.0
                         ) -> tuple[float, float]:
    """``D = <r^2> / (2 d t)`` from a least-squares line through the MSD at ``t >= t_min``.

    The intercept absorbs short-time (ballistic or correlated) transients; only the
    slope is used.

    Parameters
    ----------
    times : array (s)
        Sample times.
    msd : array (m^2)
        Mean-square displacement at those times.
    dim : int
        Dimension of the motion.
    t_min : float
        Start of the fitted range (s).

    Returns
    -------
    D, D_err : float
        Diffusivity (m^2/s) and the least-squares standard error of the slope
        divided by ``2 d`` (which ignores the correlation of MSD points along one
        trajectory, so it is a lower bound; use independent replicas for errors).

    Examples
    --------
    >>> t = np.linspace(0, 1, 11)
    >>> diffusivity_from_msd(t, 6e-9 * t + 1e-10, 3)[0]
    1e-09
    """
    t = np.asarray(times, dtype=float)
    y = np.asarray(msd, dtype=float)
    if t.shape != y.shape or t.ndim != 1:
        raise ConfigError(f"transport bridge: times and msd must be 1D of equal length, got "
                          f"{t.shape} and {y.shape}")
    if dim not in (1, 2, 3):
        raise ConfigError(f"transport bridge: dim must be 1, 2 or 3, got {dim}")
    sel = t >= t_min
    if sel.sum() < 2:
        raise ConfigError(f"transport bridge: fewer than 2 MSD points at t >= {t_min:g} s")
    t, y = t[sel], y[sel]
    tm, ym = t.mean(), y.mean()
    sxx = float(np.sum((t - tm) ** 2))
    if sxx <= 0:
        raise ConfigError("transport bridge: the MSD sample times do not span an interval")
    slope = float(np.sum((t - tm) * (y - ym)) / sxx)
    resid = y - ym - slope * (t - tm)
    n = t.size
    err = math.sqrt(float(np.sum(resid**2)) / (n - 2) / sxx) if n > 2 else math.nan
    return slope / (2 * dim), err / (2 * dim)


def nernst_einstein_conductivity(carrier_density: Any, diffusivity: Any, temperature: Any,
                                 charge_number: float = 1.0) -> Any:
    """Nernst-Einstein ``sigma = n q^2 D_sigma / (kB T)`` (S/m).

    Parameters
    ----------
    carrier_density : float, array or quantity
        ``n`` (1/m^3).
    diffusivity : float, array or quantity
        Collective (charge) diffusivity ``D_sigma`` (m^2/s); for the tracer ``D*``
        divide by the Haven ratio first.
    temperature : float, array or quantity
        ``T`` (K), positive.
    charge_number : float
        ``q / e``.

    Raises
    ------
    ConfigError
        Non-positive temperature, negative density or diffusivity.

    Examples
    --------
    >>> s = nernst_einstein_conductivity("1e28 1/m**3", "1e-12 m**2/s", "300 K")
    >>> f"{s:.4g}"
    '0.06197'
    """
    n = np.asarray(_si(carrier_density, "1/m**3", "carrier density"), dtype=float)
    d = np.asarray(_si(diffusivity, "m**2/s", "diffusivity"), dtype=float)
    t = _positive(_si(temperature, "K", "temperature"), "temperature", "K")
    if np.any(n < 0) or np.any(d < 0):
        raise ConfigError("transport bridge: carrier density and diffusivity must be >= 0")
    q = charge_number * _E
    return _out(n * q**2 * d / (_KB * t))


def drift_conductivity(carrier_density: Any, mobility: Any, charge_number: float = 1.0) -> Any:
    """``sigma = n q mu`` (S/m) from a mobility ``mu = v / E`` (m^2/(V s)) measured by drift.

    ``mu`` carries the sign of the charge (carriers of negative charge drift against
    the field), so ``sigma`` is positive.

    Examples
    --------
    >>> round(drift_conductivity(1e28, 1e-9), 6)
    1.602177
    """
    n = np.asarray(_si(carrier_density, "1/m**3", "carrier density"), dtype=float)
    mu = np.asarray(_si(mobility, "m**2/(V*s)", "mobility"), dtype=float)
    return _out(n * charge_number * _E * mu)


class NernstEinsteinModel(Model):
    """``sigma = n q^2 D_sigma / (kB T)`` with ports (no field applied here).

    Inputs ``carrier_density`` [1/m^3], ``collective_diffusivity`` [m^2/s],
    ``temperature`` [K]; outputs ``conductivity`` [S/m]. The optional input
    ``collective_diffusivity_err`` (default 0) gives ``conductivity_err``.
    """

    inputs = (
        Port("carrier_density", "1/m**3", description="mobile carriers per volume"),
        Port("collective_diffusivity", "m**2/s", description="charge diffusivity D_sigma"),
        Port("collective_diffusivity_err", "m**2/s", default=0.0,
             description="standard error of D_sigma"),
        Port("temperature", "K", description="absolute temperature"),
    )
    outputs = (Port("conductivity", "S/m", description="ionic conductivity"),
               Port("conductivity_err", "S/m", description="standard error of sigma"))
    vectorized = True
    identity = "rates.nernst_einstein"

    def __init__(self, *, charge_number: float = 1.0, name: str = "nernst_einstein") -> None:
        self.charge_number = charge_number
        self.name = name

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        n, t = inputs["carrier_density"], inputs["temperature"]
        sigma = nernst_einstein_conductivity(n, inputs["collective_diffusivity"], t,
                                             self.charge_number)
        err = nernst_einstein_conductivity(n, inputs["collective_diffusivity_err"], t,
                                           self.charge_number)
        return {"conductivity": sigma, "conductivity_err": err}


class DriftConductivityModel(Model):
    """``sigma = n q mu`` with ports, from a mobility measured by drift under a field.

    Inputs ``carrier_density`` [1/m^3], ``mobility`` [m^2/(V s)] and optional
    ``mobility_err``; outputs ``conductivity`` and ``conductivity_err`` [S/m]. The
    field itself is applied upstream (in the kMC model), not here.
    """

    inputs = (
        Port("carrier_density", "1/m**3", description="mobile carriers per volume"),
        Port("mobility", "m**2/(V*s)", description="drift mobility v/E"),
        Port("mobility_err", "m**2/(V*s)", default=0.0, description="standard error of mu"),
    )
    outputs = (Port("conductivity", "S/m", description="ionic conductivity"),
               Port("conductivity_err", "S/m", description="standard error of sigma"))
    vectorized = True
    identity = "rates.drift_conductivity"

    def __init__(self, *, charge_number: float = 1.0, name: str = "drift_conductivity") -> None:
        self.charge_number = charge_number
        self.name = name

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        n = inputs["carrier_density"]
        return {"conductivity": drift_conductivity(n, inputs["mobility"], self.charge_number),
                "conductivity_err": np.abs(drift_conductivity(n, inputs["mobility_err"],
                                                              self.charge_number))}


def lattice_gas_thermodynamic_factor(n_sites: int, n_carriers: int) -> float:
    """Thermodynamic factor of a lattice gas with site exclusion, canonical form.

    ``(N - 1) / (N - N_c)`` for ``N_c`` carriers on ``N`` sites; ``1 / (1 - c)`` for a
    large lattice. With it the chemical (Fickian) diffusivity ``D_sigma * factor``
    equals the single-particle ``D0`` at any concentration (Kutner 1981, Phys. Lett.
    A 81, 239).

    Examples
    --------
    >>> lattice_gas_thermodynamic_factor(101, 51)
    2.0
    """
    n, nc = int(n_sites), int(n_carriers)
    if not 0 <= nc < n:
        raise ConfigError(f"thermodynamic factor: need 0 <= carriers < sites, got {nc} of {n}")
    return (n - 1) / (n - nc)


class FickDiffusivityModel(Model):
    """Chemical (Fickian) diffusivity from the collective one of a lattice gas.

    Inputs ``collective_diffusivity`` [m^2/s] (``D_sigma``, from kMC) and
    ``blocking_factor`` [-] (the effective-medium ratio of real particles to the
    ideal crystal); outputs ``chemical_diffusivity`` = ``D_sigma`` times
    :func:`lattice_gas_thermodynamic_factor`, and ``particle_diffusivity`` = that
    times the blocking factor [m^2/s].
    """

    inputs = (
        Port("collective_diffusivity", "m**2/s", description="jump diffusivity D_sigma"),
        Port("blocking_factor", "", description="effective over ideal-crystal diffusivity"),
    )
    outputs = (
        Port("chemical_diffusivity", "m**2/s", description="D_sigma x thermodynamic factor"),
        Port("particle_diffusivity", "m**2/s", description="chemical D x blocking factor"),
    )
    vectorized = True
    length_scale = 1e-7
    identity = "rates.fick_diffusivity"

    def __init__(self, *, n_sites: int, n_carriers: int, name: str = "fick") -> None:
        self.n_sites, self.n_carriers, self.name = n_sites, n_carriers, name
        self._phi = lattice_gas_thermodynamic_factor(n_sites, n_carriers)

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        d, phi = inputs["collective_diffusivity"], self._phi
        return {"chemical_diffusivity": d * phi,
                "particle_diffusivity": d * phi * inputs["blocking_factor"]}


class OhmicConductorModel(Model):
    """A continuum conductor applying the field through Ohm's law: ``j = sigma E``.

    Inputs ``conductivity`` [S/m] and ``electric_field`` [V/m] (tagged
    ``driving_force="electric_field"``); output ``current_density`` [A/m^2]. The
    simplest continuum consumer of a conductivity; a device model (PyBaMM) plays the
    same role in a full chain and should tag its field or current input the same way.
    """

    inputs = (
        Port("conductivity", "S/m", description="conductivity of the medium"),
        Port("electric_field", "V/m", driving_force="electric_field",
             description="field applied at the continuum scale"),
    )
    outputs = (Port("current_density", "A/m**2", description="j = sigma E"),)
    vectorized = True
    length_scale = 1e-3
    identity = "rates.ohmic_conductor"

    def __init__(self, *, name: str = "ohmic") -> None:
        self.name = name

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        return {"current_density": inputs["conductivity"] * inputs["electric_field"]}
