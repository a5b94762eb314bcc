"""Distributions written as text: ``'normal(0.25 eV, 0.02 eV) epistemic'``.

How a case's TOML or ``--set`` gives an uncertain parameter (the classes are in
:mod:`scaleweave.core.distributions`): ``NAME(ARG, ...) [aleatory|epistemic]``,
quantities with units of the parameter's dimension, the kind tag optional
(default epistemic).
"""

from __future__ import annotations

import dataclasses
import difflib
import re

from scaleweave.core.distributions import (
    Interval,
    Kind,
    LogNormal,
    Normal,
    Truncated,
    Uncertain,
    Uniform,
)
from scaleweave.core.units import convert, format_unit, parse_quantity
from scaleweave.errors import ConfigError, UnitError

__all__ = ["DISTRIBUTIONS", "looks_like_distribution", "parse_distribution"]

#: name -> (class, argument kinds): "q" a quantity in the parameter's unit, "x" a pure
#: number, "d" a nested distribution.
DISTRIBUTIONS: dict[str, tuple[type[Uncertain], tuple[str, ...]]] = {
    "normal": (Normal, ("q", "q")),
    "lognormal": (LogNormal, ("q", "x")),
    "uniform": (Uniform, ("q", "q")),
    "interval": (Interval, ("q", "q")),
    "truncated": (Truncated, ("d", "q", "q")),
}

_CALL = re.compile(r"^\s*([A-Za-z_]\w*)\s*\((.*)\)\s*(\w+)?\s*$", re.S)


def looks_like_distribution(text: object) -> bool:
    """True if ``text`` is written like ``name(args) [kind]``."""
    return isinstance(text, str) and bool(_CALL.match(text)) and "(" in text


def _split_args(inner: str) -> list[str]:
    parts, depth, cur = [], 0, []
    for ch in inner:
        if ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        depth += (ch == "(") - (ch == ")")
        cur.append(ch)
    parts.append("".join(cur).strip())
    return [p for p in parts if p] if inner.strip() else []


def _magnitude(arg: str, unit: str, where: str) -> float:
    q = parse_quantity(arg, unit or "dimensionless")
    try:
        return float(convert(q, unit or "dimensionless", where=where).magnitude)
    except UnitError:
        raise UnitError(
            f"{where}: {arg!r} has unit {format_unit(q.units) or 'dimensionless'} but the "
            f"parameter is in {format_unit(unit) or 'a pure number'}"
        ) from None


def parse_distribution(text: str, unit: str = "", *, where: str = "value",
                       kind: Kind | None = None) -> Uncertain:
    """Read ``'normal(0.25 eV, 0.02 eV) epistemic'`` into an :class:`Uncertain`.

    Parameters
    ----------
    text : str
        ``NAME(ARG, ...) [aleatory|epistemic]``; quantities may carry units of the
        parameter's dimension (converted to ``unit``).
    unit : str
        The parameter's unit.
    where : str
        Name for messages (``"parameter 'barrier'"``).
    kind : str, optional
        Kind for a nested distribution (inherits the outer tag).

    Raises
    ------
    ConfigError
        Unknown distribution (with a suggestion), wrong number of arguments,
        impossible parameters (negative sd, lo > hi), unknown kind tag.

    Examples
    --------
    >>> d = parse_distribution("normal(250 meV, 0.02 eV) epistemic", "eV")
    >>> d.mean, d.sd, d.kind
    (0.25, 0.02, 'epistemic')
    """
    m = _CALL.match(text)
    if not m:
        raise ConfigError(f"{where}: cannot read {text!r} as a distribution; write e.g. "
                          f"'normal(1 eV, 0.1 eV) epistemic'")
    name, inner, tag = m.group(1).lower(), m.group(2), m.group(3)
    if name not in DISTRIBUTIONS:
        close = difflib.get_close_matches(name, list(DISTRIBUTIONS), n=1)
        hint = f"did you mean {close[0]!r}? " if close else ""
        raise ConfigError(f"{where}: unknown distribution {name!r}; {hint}known: "
                          f"{', '.join(DISTRIBUTIONS)}")
    if tag is not None and tag not in ("aleatory", "epistemic"):
        raise ConfigError(f"{where}: unknown tag {tag!r} after {name}(...); use 'aleatory' "
                          f"or 'epistemic'")
    the_kind: Kind = tag or kind or "epistemic"  # type: ignore[assignment]
    cls, sig = DISTRIBUTIONS[name]
    args = _split_args(inner)
    if len(args) != len(sig):
        raise ConfigError(f"{where}: {name}() takes {len(sig)} arguments "
                          f"({', '.join(f.name for f in _fields(cls))}), got {len(args)}")
    values: list[object] = []
    for arg, s in zip(args, sig, strict=True):
        if s == "d":
            values.append(parse_distribution(arg, unit, where=where, kind=the_kind))
        elif s == "x":
            values.append(_magnitude(arg, "", where))
        else:
            values.append(_magnitude(arg, unit, where))
    try:
        return cls(*values, unit=unit, kind=the_kind)  # type: ignore[arg-type]
    except ConfigError as exc:
        raise ConfigError(f"{where}: {exc}") from None


def _fields(cls: type) -> list:
    return [f for f in dataclasses.fields(cls) if f.name not in ("unit", "kind")]
