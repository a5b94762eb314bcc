"""Arrhenius bridge: an activation barrier and attempt frequency to a hop rate.

``Gamma = nu0 exp(-Ea / (kB T))`` (1/s) for one hop path, from the barrier ``Ea``
(J inside, eV at the ports) of an atomistic calculation and the attempt frequency
``nu0`` (Hz; harmonic transition-state theory, Vineyard 1957). This is the rate a
lattice kinetic Monte Carlo model (:mod:`scaleweave.engines.lattice.kmc`) takes per hop path.

Validity
--------
Transition-state theory and the Markov (rare-event) assumption of kMC need the
barrier well above the thermal energy: the system must thermalise in its basin
between hops. The diagnostic is ``Ea / (kB T)``; below 3 (a hop every ~20 attempts)
hops are not rare events, so transition-state rates and kinetic Monte Carlo are not
reliable. :class:`ArrheniusModel` declares it (a study collects it into its result)
and :func:`arrhenius_validity` returns it; neither warns by itself: the study's or
the function's ``validity`` policy decides
(:func:`~scaleweave.core.checks.apply_validity_policy`).

Examples
--------
>>> from scaleweave.core.constants import ELECTRON_VOLT
>>> rate = arrhenius_rate(1e13, 0.25 * ELECTRON_VOLT, 300.0)
>>> f"{rate:.3g}"
'6.31e+08'
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pint

from scaleweave.core.checks import Validity, apply_validity_policy
from scaleweave.core.constants import BOLTZMANN
from scaleweave.core.model import Bridge, Diagnostic, Port
from scaleweave.core.units import parse_quantity, to_si
from scaleweave.errors import ConfigError

__all__ = [
    "MIN_BARRIER_OVER_KT",
    "ArrheniusModel",
    "arrhenius_rate",
    "arrhenius_validity",
    "barrier_over_kt",
]

#: Smallest ``Ea / kT`` for which the rare-event picture is accepted.
MIN_BARRIER_OVER_KT = 3.0


def _si(value: Any, unit: str, name: str) -> np.ndarray | float:
    """SI magnitude of ``value``: a quantity or text is converted, a bare number is SI."""
    if isinstance(value, (pint.Quantity, str)):
        q = parse_quantity(value, unit)
        return to_si(q.magnitude, str(q.units), unit, where=f"Arrhenius bridge {name}")
    return value


def _check(nu0: Any, barrier: Any, temperature: Any) -> tuple[Any, Any, Any]:
    nu0, barrier, temperature = (np.asarray(v, dtype=float) for v in (nu0, barrier, temperature))
    if np.any(~np.isfinite(temperature)) or np.any(temperature <= 0):
        raise ConfigError(f"Arrhenius bridge: temperature must be positive and finite (K), "
                          f"got {temperature.tolist()}")
    if np.any(~np.isfinite(nu0)) or np.any(nu0 <= 0):
        raise ConfigError(f"Arrhenius bridge: attempt frequency must be positive and finite "
                          f"(Hz), got {nu0.tolist()}")
    if np.any(~np.isfinite(barrier)):
        raise ConfigError(f"Arrhenius bridge: barrier must be finite (J), got {barrier.tolist()}")
    return nu0, barrier, temperature


def _out(x: np.ndarray) -> float | np.ndarray:
    return float(x) if np.ndim(x) == 0 else x


def barrier_over_kt(barrier: Any, temperature: Any) -> float | np.ndarray:
    """The validity diagnostic ``Ea / (kB T)`` (dimensionless).

    Parameters
    ----------
    barrier : float, array or quantity
        Activation energy ``Ea`` (J if a bare number).
    temperature : float, array or quantity
        Temperature (K if a bare number); must be positive.

    Examples
    --------
    >>> round(barrier_over_kt("0.25 eV", "300 K"), 3)
    9.67
    """
    barrier = _si(barrier, "J", "barrier")
    temperature = _si(temperature, "K", "temperature")
    _, ea, t = _check(1.0, barrier, temperature)
    return _out(ea / (BOLTZMANN * t))


def arrhenius_rate(attempt_frequency: Any, barrier: Any, temperature: Any
                   ) -> float | np.ndarray:
    """Hop rate ``Gamma = nu0 exp(-Ea / (kB T))`` (1/s) of one hop path.

    Parameters
    ----------
    attempt_frequency : float, array or quantity
        ``nu0`` (Hz if a bare number).
    barrier : float, array or quantity
        ``Ea`` (J if a bare number; give ``"0.25 eV"`` or a quantity for eV).
    temperature : float, array or quantity
        ``T`` (K if a bare number).

    Returns
    -------
    float or ndarray
        Rate (1/s), broadcast over the inputs.

    Raises
    ------
    ConfigError
        Non-positive temperature or attempt frequency, or a non-finite input.

    Examples
    --------
    >>> f"{arrhenius_rate('1e13 Hz', '0.25 eV', '300 K'):.4g}"
    '6.312e+08'
    """
    nu0 = _si(attempt_frequency, "Hz", "attempt frequency")
    barrier = _si(barrier, "J", "barrier")
    temperature = _si(temperature, "K", "temperature")
    nu0, ea, t = _check(nu0, barrier, temperature)
    return _out(nu0 * np.exp(-ea / (BOLTZMANN * t)))


def arrhenius_validity(barrier: Any, temperature: Any, *, limit: float = MIN_BARRIER_OVER_KT,
                       validity: str = "record") -> Validity:
    """The bridge's validity diagnostic ``Ea/kT >= limit``.

    Parameters
    ----------
    barrier, temperature : float, array or quantity
        As in :func:`arrhenius_rate`; for arrays the smallest ratio is reported.
    limit : float
        Smallest acceptable ``Ea / kT`` (default 3).
    validity : {"record", "warn", "raise"}
        What a failed diagnostic does
        (:func:`~scaleweave.core.checks.apply_validity_policy`): only returned (the
        default), also a :class:`~scaleweave.errors.ValidityWarning`, or a
        :class:`~scaleweave.errors.ValidityError`.

    Returns
    -------
    Validity
        ``"barrier over kT (Ea/kT)"`` against ``limit`` (``sense="ge"``). When it
        fails, hops are not rare events, so transition-state rates and kinetic Monte
        Carlo are not reliable there.

    Raises
    ------
    ConfigError
        Non-positive temperature or a non-finite input.
    ValidityError
        With ``validity="raise"``, when ``Ea/kT < limit``.

    Examples
    --------
    >>> arrhenius_validity("0.25 eV", "300 K").ok
    True
    >>> arrhenius_validity("0.05 eV", "300 K").ok
    False
    """
    ratio = float(np.min(barrier_over_kt(barrier, temperature)))
    check = Validity("arrhenius", "barrier over kT (Ea/kT)", ratio, limit, sense="ge")
    apply_validity_policy([check], validity, stacklevel=2)
    return check


class ArrheniusModel(Bridge):
    """The Arrhenius bridge as a study model.

    Ports
    -----
    Inputs ``attempt_frequency`` [Hz], ``barrier`` [eV], ``temperature`` [K];
    outputs ``hop_rate`` [1/s] (per hop path) and ``barrier_over_kT`` [dimensionless].
    Vectorized over a leading sample axis. Its diagnostic is ``Ea/kT >= limit``,
    declared in :attr:`diagnostics` (a study reports the worst sample; it does not
    warn by itself).

    Examples
    --------
    >>> out = ArrheniusModel().evaluate({"attempt_frequency": 1e13, "barrier": "0.25 eV",
    ...                                 "temperature": 300.0})
    >>> f"{out['hop_rate']:.3g}"
    '6.31e+08'
    """

    inputs = (
        Port("attempt_frequency", "Hz", description="attempt frequency nu0 of the hop"),
        Port("barrier", "eV", description="activation energy Ea of one hop"),
        Port("temperature", "K", description="absolute temperature"),
    )
    outputs = (
        Port("hop_rate", "1/s", description="rate of one hop path, nu0 exp(-Ea/kT)"),
        Port("barrier_over_kT", "", description="validity diagnostic Ea/kT (want >= 3)"),
    )
    vectorized = True
    identity = "rates.arrhenius"
    diagnostics = (Diagnostic("barrier over kT (Ea/kT)", "barrier_over_kT", "limit", "ge"),)

    def __init__(self, *, limit: float = MIN_BARRIER_OVER_KT, name: str = "arrhenius") -> None:
        self.name = name
        self.limit = limit

    def evaluate(self, inputs: Any, **kwargs: Any) -> dict[str, Any]:
        # Text values ("0.25 eV") are read here; Model.evaluate takes quantities.
        parsed = {k: parse_quantity(v, self.input_port(k).unit) if isinstance(v, str) else v
                  for k, v in inputs.items()}
        return super().evaluate(parsed, **kwargs)

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        nu0, ea, t = inputs["attempt_frequency"], inputs["barrier"], inputs["temperature"]
        ratio = barrier_over_kt(ea, t)
        return {"hop_rate": arrhenius_rate(nu0, ea, t), "barrier_over_kT": ratio}
