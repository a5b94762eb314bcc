"""The value checks of a model's boundary: shapes, non-finite entries, text with a unit.

Used by :meth:`scaleweave.core.model.Model.evaluate` (and the coupler) on what
crosses a model's ports.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pint

from scaleweave.core.units import parse_quantity, ureg
from scaleweave.errors import ConfigError, UnitError

__all__ = ["Shape", "check_shape", "first_bad", "lead_shape", "text_value"]

#: A port's shape: ``()`` a scalar; integers fixed sizes, strings sizes named
#: elsewhere; None any shape.
Shape = tuple[int | str, ...] | None


def check_shape(value: Any, shape: Shape, *, where: str) -> None:
    """Raise :class:`ConfigError` unless ``value`` has ``shape`` (named sizes match any)."""
    if shape is None:
        return
    actual = np.shape(value)
    if len(actual) != len(shape) or any(
        isinstance(s, int) and s != a for s, a in zip(shape, actual, strict=False)
    ):
        raise ConfigError(f"{where}: shape {actual} does not match the declared shape {shape}")


def lead_shape(lead: tuple[int, ...], shape: Shape) -> Shape:
    """``shape`` behind a leading (sample) axis ``lead``."""
    return None if shape is None else (*lead, *shape)


def first_bad(value: Any) -> float | None:
    """Return the first non-finite entry of ``value`` or None if all are finite."""
    arr = np.asarray(value)
    if arr.dtype.kind not in "fc":
        return None
    bad = ~np.isfinite(arr)
    if not bad.any():
        return None
    return complex(arr[bad].flat[0]) if arr.dtype.kind == "c" else float(arr[bad].flat[0])


def text_value(value: str, unit: str, where: str) -> pint.Quantity:
    """Text given for a port in ``unit``: a quantity, never passed on as text.

    Raises
    ------
    UnitError
        Unreadable text, or a number without a unit for a port that has one
        (``"0.3"`` for a port in eV: write ``"0.3 eV"``, or pass the SI number).

    Examples
    --------
    >>> text_value("0.3 eV", "eV", "x").to("eV").magnitude
    0.3
    """
    try:
        q = parse_quantity(value, "")
    except UnitError as exc:
        raise UnitError(f"{where}: {exc}") from None
    if q.dimensionless and not ureg.Quantity(1.0, unit or "dimensionless").dimensionless:
        raise UnitError(f"{where} = {value!r} has no unit; write it with one "
                        f"('{value} {unit}') or pass the SI magnitude as a number")
    return q
