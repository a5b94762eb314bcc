"""Physical units at the boundaries: one pint registry and SI conversion helpers.

Kernels work on plain SI floats and arrays. Units are checked and converted only
where values cross a boundary: a model's ports, a case's parameters, a result file.
We use pint's *application* registry so that quantities made by users and by other
libraries mix with ours.
"""

from __future__ import annotations

import re
from functools import lru_cache
from typing import Any

import numpy as np
import pint

from scaleweave.errors import UnitError

__all__ = [
    "Quantity",
    "check_same_dimension",
    "convert",
    "dimensionality",
    "format_unit",
    "from_si",
    "parse_quantity",
    "si_unit",
    "to_si",
    "ureg",
    "written_as_list",
]

ureg: pint.UnitRegistry = pint.get_application_registry()
Quantity = ureg.Quantity


@lru_cache(maxsize=512)
def _unit(unit: str) -> pint.Unit:
    try:
        return ureg.Unit(unit)
    except (pint.UndefinedUnitError, AttributeError, TypeError, ValueError,
            AssertionError) as exc:
        raise UnitError(f"unknown unit {unit!r}: {exc}") from None


def dimensionality(unit: str) -> str:
    """Return the dimension of a unit as text, e.g. ``'[length] / [time]'``."""
    dim = str(_unit(unit).dimensionality)
    return "dimensionless" if dim == "dimensionless" else dim


@lru_cache(maxsize=512)
def _si(unit: str) -> pint.Unit:
    return Quantity(1.0, _unit(unit)).to_base_units().units


def si_unit(unit: str) -> str:
    """Return the SI (base-unit) expression a kernel sees for values in ``unit``."""
    return format_unit(_si(unit))


def format_unit(unit: str | pint.Unit) -> str:
    """Short, readable unit text (``'m / s'``; ``''`` for dimensionless)."""
    u = _unit(unit) if isinstance(unit, str) else unit
    return "" if u == ureg.dimensionless else f"{u:~P}"


def parse_quantity(text: str | float | int | pint.Quantity | Any, default_unit: str
                   ) -> pint.Quantity:
    """Read a value with a unit.

    Parameters
    ----------
    text : str, float, int, array_like or pint.Quantity
        ``"0.5 fs"``, ``"3"`` or a number (then read in ``default_unit``), an array or
        a list of numbers (an array in ``default_unit``, for array ports), or a
        quantity. Text holds one value: ``"(1, 0)"`` or ``"[9, 0.5]"`` is refused,
        not read as a product of its entries.
    default_unit : str
        Unit for bare numbers.

    Returns
    -------
    pint.Quantity

    Raises
    ------
    UnitError
        If the text cannot be read as one quantity (a list written as text, a number
        too large for a float, an unknown unit).

    Examples
    --------
    >>> parse_quantity("0.5 fs", "s").to("s").magnitude
    5e-16
    >>> parse_quantity(3, "m")
    <Quantity(3, 'meter')>
    >>> parse_quantity([1, 2], "m").magnitude
    array([1., 2.])
    """
    if isinstance(text, pint.Quantity):
        return text
    if isinstance(text, bool):
        raise UnitError(f"expected a number with a unit, got the boolean {text!r}")
    if isinstance(text, (int, float, np.integer, np.floating)):
        return Quantity(text, _unit(default_unit))
    if isinstance(text, (np.ndarray, list, tuple)):
        try:
            values = np.asarray(text, dtype=float)
        except (TypeError, ValueError):
            raise UnitError(f"expected numbers, got {text!r}") from None
        return Quantity(values, _unit(default_unit))
    s = str(text).strip()
    if not s:
        raise UnitError("expected a number with a unit, got an empty value")
    if written_as_list(s):
        raise UnitError(f"cannot read {s!r} as a quantity: it is written as a list of "
                        "values; give one value")
    match = _NUMBER_UNIT.match(s)
    try:
        if match and match.group(2):  # "25 degC": number times unit, offset units too
            try:
                q = Quantity(float(match.group(1)), _unit(match.group(2).strip()))
            except UnitError:  # or an expression: "1/m^3", "2^10"
                try:
                    q = _expression(s)
                except Exception:
                    raise UnitError(f"unknown unit {match.group(2).strip()!r}") from None
        else:
            q = _expression(s)
    except UnitError as exc:
        raise UnitError(f"cannot read {s!r} as a quantity: {exc}") from None
    except OverflowError:
        raise UnitError(f"cannot read {s!r} as a quantity: it is too large for a float "
                        "(above 1.8e308)") from None
    except Exception as exc:  # pint raises a zoo of tokenizer errors
        raise UnitError(f"cannot read {s!r} as a quantity: {exc}") from None
    if not isinstance(q, pint.Quantity):
        if isinstance(q, (int, float)):
            return Quantity(q, _unit(default_unit))
        raise UnitError(f"cannot read {s!r} as a quantity")
    if not q._units:  # a bare number ("2*3"); "pi" or "%" keep their (dimensionless) unit
        return Quantity(q.magnitude, _unit(default_unit))
    return q


def _expression(s: str) -> Any:
    """``s`` read by pint's expression parser.

    A power of integers (``9**9**9``) would be computed exactly, without end; in
    floats it overflows at once.
    """
    return ureg.parse_expression(_INTEGER.sub(r"\1.0", s) if _POWER.search(s) else s)


def written_as_list(text: str) -> bool:
    """True if ``text`` is written as several values (``"(1, 0)"``, ``"[9, 0.5]"``).

    Examples
    --------
    >>> written_as_list("[9, 0.5]"), written_as_list("(1 + 2) m")
    (True, False)
    """
    return bool(_SEQUENCE.search(text))


#: Text that is a list, not one value: a comma, or brackets/braces.
_SEQUENCE = re.compile(r"[,\[\]{}]")
#: A power with a number as its base: ``10**400``, ``2^10``.
_POWER = re.compile(r"[\d.)]\s*(\*\*|\^)")
#: An integer literal not part of a decimal, an exponent or a unit name.
_INTEGER = re.compile(r"(?<![\w.])(\d+)(?![\w.])")
_NUMBER_UNIT = re.compile(
    r"^\s*([-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)(?![\d.eE])\s*([^\d\s*+-].*)?$")
_SUBSTANCE = ureg.Unit("mol").dimensionality


def convert(q: pint.Quantity, unit: str, *, where: str) -> pint.Quantity:
    """Convert ``q`` to ``unit``; molar and per-entity quantities convert via N_A.

    A chemist's ``28.9 kJ/mol`` barrier is an energy per particle: it converts to
    ``eV`` (and back) through Avogadro's constant. Any other dimension change is an
    error.

    Raises
    ------
    UnitError
        Names ``where``, the given and the expected unit and their dimensions.

    Examples
    --------
    >>> round(convert(Quantity(96.485, "kJ/mol"), "eV", where="x").magnitude, 4)
    1.0
    """
    target = _unit(unit)
    dim, tdim = q.units.dimensionality, target.dimensionality
    if dim == tdim:
        return q.to(target)
    if dim == tdim / _SUBSTANCE:
        return (q / ureg.avogadro_constant).to(target)
    if dim == tdim * _SUBSTANCE:
        return (q * ureg.avogadro_constant).to(target)
    raise UnitError(
        f"{where}: unit {format_unit(q.units) or 'dimensionless'} "
        f"({dimensionality(str(q.units))}) does not fit the expected unit "
        f"{format_unit(target) or 'dimensionless'} ({dimensionality(unit)})"
    )


def to_si(value: Any, unit: str, expected_unit: str, *, where: str) -> Any:
    """Convert ``value`` given in ``unit`` to the SI base units of ``expected_unit``.

    Parameters
    ----------
    value : float or array_like
        Magnitude in ``unit``.
    unit, expected_unit : str
        The given unit and the unit the receiver declares; they must share a dimension.
    where : str
        What is being converted (``"model 'kmc' input 'barrier'"``), for the message.

    Raises
    ------
    UnitError
        If the dimensions differ; names ``where`` and both units.

    Examples
    --------
    >>> to_si(1.0, "eV", "eV", where="x")
    1.602176634e-19
    """
    q = convert(Quantity(value, _unit(unit)), expected_unit, where=where)
    return q.to_base_units().magnitude


def check_same_dimension(given: str, expected: str, *, where: str) -> None:
    """Raise :class:`UnitError` unless ``given`` and ``expected`` share a dimension."""
    if _unit(given).dimensionality != _unit(expected).dimensionality:
        raise UnitError(
            f"{where}: unit {format_unit(given) or 'dimensionless'} ({dimensionality(given)}) "
            f"does not fit {format_unit(expected) or 'dimensionless'} "
            f"({dimensionality(expected)})"
        )


def from_si(value: Any, unit: str) -> Any:
    """Convert an SI magnitude to ``unit`` (the inverse of :func:`to_si`)."""
    return Quantity(value, _si(unit)).to(_unit(unit)).magnitude
