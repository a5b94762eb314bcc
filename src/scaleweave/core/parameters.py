"""Case parameters: declared with units and ranges, set from Python, TOML or ``--set``.

A case declares its :class:`Parameter` s. :func:`resolve_parameters` merges the
defaults, the ``--quick`` overrides, a TOML file and ``NAME=VALUE`` strings (in that
order), checks each value's unit dimension and range, and returns a
:class:`ParameterValues` holding SI magnitudes for the kernels plus the quantities
as given, for the provenance. Every problem is a :class:`~scaleweave.errors.ConfigError`
naming the parameter, the value given and what was expected.

Examples
--------
>>> params = (Parameter("macro_dt", 0.5, "s", "macro step", low=0.0, low_open=True),
...           Parameter("substeps", 10, "", "substeps", low=1, integer=True))
>>> v = resolve_parameters(params, overrides=["macro_dt=250 ms"])
>>> v["macro_dt"], v["substeps"]
(0.25, 10)
"""

from __future__ import annotations

import difflib
import math
import numbers
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pint

from scaleweave.core.units import (
    Quantity,
    convert,
    dimensionality,
    format_unit,
    parse_quantity,
    ureg,
    written_as_list,
)
from scaleweave.errors import ConfigError, UnitError

__all__ = ["Parameter", "ParameterValues", "parse_assignment", "read_config", "resolve_parameters"]


@dataclass(frozen=True)
class Parameter:
    """A case parameter with a unit, a default and a valid range.

    Parameters
    ----------
    name : str
        Identifier used in ``--set NAME=VALUE`` and TOML.
    default : float, int or str
        Default value, in ``unit``.
    unit : str
        Unit of the default and of bare numbers (``""`` for dimensionless).
    description : str
        One line for ``--help``-style listings and reports.
    low, high : float, optional
        Range in ``unit`` (inclusive unless ``low_open`` / ``high_open``).
    integer : bool
        Value must be a whole number (counts, sizes).
    choices : tuple of str, optional
        For text parameters: the allowed values.
    uncertain : bool
        Whether the case propagates a distribution given for it (a model input);
        numerical settings (steps, sample sizes) are not.
    binds : tuple of str
        The ``"model.port"`` inputs this parameter feeds (shown by ``scaleweave
        show``; empty for numerical settings).
    scale : str
        The scale its model lives at (``"atomistic"``, ``"device"``); groups the
        per-scale Sobol' indices.
    """

    name: str
    default: float | int | str
    unit: str = ""
    description: str = ""
    low: float | None = None
    high: float | None = None
    low_open: bool = False
    high_open: bool = False
    integer: bool = False
    choices: tuple[str, ...] | None = None
    uncertain: bool = False
    binds: tuple[str, ...] = ()
    scale: str = ""

    def range_text(self) -> str:
        """The valid range as text, e.g. ``'> 0 s'``, ``'in [0, 1]'``."""
        u = f" {format_unit(self.unit)}" if self.unit and format_unit(self.unit) else ""
        if self.low is not None and self.high is not None:
            lb, rb = ("(" if self.low_open else "["), (")" if self.high_open else "]")
            return f"in {lb}{self.low:g}, {self.high:g}{rb}{u}"
        if self.low is not None:
            return f"{'>' if self.low_open else '>='} {self.low:g}{u}"
        if self.high is not None:
            return f"{'<' if self.high_open else '<='} {self.high:g}{u}"
        return "any value"

    def convert_uncertain(self, raw: str, *, origin: str = "") -> Any:
        """Read a distribution (``'normal(1 eV, 0.1 eV) epistemic'``) for this parameter.

        Raises
        ------
        ConfigError
            The parameter is a count or a choice, the distribution is malformed, or
            it reaches outside the parameter's range (truncate it).
        """
        from scaleweave.core.distribution_text import parse_distribution

        where = f"parameter {self.name!r}" + (f" ({origin})" if origin else "")
        if self.integer or self.choices is not None:
            raise ConfigError(f"{where} is a {'whole number' if self.integer else 'choice'}; "
                              f"it cannot be given a distribution")
        if not self.uncertain:
            raise ConfigError(f"{where} is a setting no model takes as an uncertain input; "
                              f"it cannot be given a distribution")
        dist = parse_distribution(raw, self.unit, where=where)
        lo, hi = dist.support()
        at_lo, at_hi = dist.attains()
        out_lo = self.low is not None and (
            lo < self.low or (self.low_open and at_lo and lo <= self.low))
        out_hi = self.high is not None and (
            hi > self.high or (self.high_open and at_hi and hi >= self.high))
        if out_lo or out_hi:
            raise ConfigError(f"{where} = {dist.describe()} reaches outside the valid range "
                              f"({self.range_text()}); truncate it, e.g. truncated(..., lo, hi)")
        return dist

    def convert(self, raw: Any, *, origin: str = "") -> tuple[Any, Any]:
        """Check one raw value and return ``(si_value, value_in_unit)``.

        Raises
        ------
        ConfigError
            Wrong dimension (a :class:`UnitError`), out of range, not a whole number,
            not one of the choices.
        """
        where = f"parameter {self.name!r}" + (f" ({origin})" if origin else "")
        if self.choices is not None:
            text = str(raw).strip()
            if text not in self.choices:
                raise ConfigError(f"{where} = {text!r} is not one of {list(self.choices)}")
            return text, text
        if isinstance(raw, (Mapping, list, tuple, set)) or np.ndim(raw) > 0 or (
                isinstance(raw, str) and written_as_list(raw)):
            raise ConfigError(f"{where} = {_shown(raw)} is {_many(raw)}, but it takes a single "
                              f"value ({self._example()})")
        try:
            q = parse_quantity(raw, self.unit)
        except UnitError as exc:
            raise UnitError(f"{where}: {exc}") from None
        if np.ndim(q.magnitude) > 0:
            raise ConfigError(f"{where} = {_shown(raw)} is {_many(q.magnitude)}, but it takes "
                              f"a single value ({self._example()})")
        expected = ureg.Unit(self.unit) if self.unit else ureg.dimensionless
        try:
            value = convert(q, self.unit or "dimensionless", where=where).magnitude
        except UnitError:
            raise UnitError(
                f"{where} = {_shown(raw)} has unit {format_unit(q.units) or 'dimensionless'} "
                f"({dimensionality(str(q.units))}) but expects "
                f"{format_unit(expected) or 'a pure number'} ({dimensionality(self.unit)})"
            ) from None
        if not isinstance(value, numbers.Real) or not _finite(value):
            large = isinstance(value, numbers.Real) and value == value  # not NaN
            raise ConfigError(f"{where} = {_shown(raw)} must be a finite number"
                              + (" (at most 1.8e308)" if large else ""))
        if self.integer:
            if float(value) != round(value):
                raise ConfigError(f"{where} = {_shown(raw)} must be a whole number")
            value = round(value)
        bad = (
            (self.low is not None and (value <= self.low if self.low_open else value < self.low))
            or (self.high is not None
                and (value >= self.high if self.high_open else value > self.high))
        )
        if bad:
            number = f"{value:d}" if isinstance(value, int) else f"{value:g}"
            shown = number + (f" {format_unit(self.unit)}" if self.unit else "")
            raise ConfigError(f"{where} = {shown} is out of range: must be {self.range_text()}")
        si = Quantity(value, expected).to_base_units().magnitude
        if self.integer:
            si = round(si)
        return si, value

    def _example(self) -> str:
        """How one value of this parameter is written, for messages."""
        unit = format_unit(self.unit) if self.unit else ""
        return f"e.g. {self.name}='{self.default} {unit}'" if unit else (
            f"e.g. {self.name}={self.default}")


def _many(value: Any) -> str:
    """``'a list of 2 values'`` (or an array of that shape), for messages."""
    if isinstance(value, Mapping):
        return "a table"
    if isinstance(value, str):
        return "a list of values"
    shape = np.shape(value) if not isinstance(value, set) else (len(value),)
    kind = "an array of shape " + str(shape) if len(shape) > 1 else (
        f"a list of {shape[0]} value{'s' if shape[0] != 1 else ''}")
    return kind


def _shown(raw: Any) -> str:
    """A raw value for a message: text as given (a list in quotes), a huge number shortened."""
    if isinstance(raw, str):
        text = repr(raw) if written_as_list(raw) else raw
    else:
        text = str(raw) if isinstance(raw, numbers.Number) else repr(raw)
    return text if len(text) <= 60 else f"{text[:24]}...{text[-12:]} ({len(text)} characters)"


def _finite(value: Any) -> bool:
    """``math.isfinite``, False for an integer too large for a float."""
    try:
        return math.isfinite(value)
    except OverflowError:
        return False


@dataclass
class ParameterValues(Mapping[str, Any]):
    """Resolved parameters: SI magnitudes by name, plus the values in declared units.

    Attributes
    ----------
    si : dict
        Name -> SI magnitude (what kernels use); ``values[name]`` is the same.
    given : dict
        Name -> value in the parameter's declared unit (for provenance).
    units : dict
        Name -> declared unit.
    sources : dict
        Name -> where the value came from (``default``, ``quick``, a file, ``--set``).
    uncertain : dict
        Name -> :class:`~scaleweave.core.distributions.Uncertain` for parameters given
        as distributions; their ``si`` value is the distribution's median.
    """

    si: dict[str, Any] = field(default_factory=dict)
    given: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    sources: dict[str, str] = field(default_factory=dict)
    uncertain: dict[str, Any] = field(default_factory=dict)

    def __getitem__(self, key: str) -> Any:
        return self.si[key]

    def __iter__(self):
        return iter(self.si)

    def __len__(self) -> int:
        return len(self.si)

    def quantity(self, key: str) -> pint.Quantity:
        """The value as a pint quantity: in its declared unit, or for a parameter given
        as a distribution its median (in SI base units)."""
        if key in self.uncertain:
            unit = Quantity(1.0, self.units[key] or "dimensionless").to_base_units().units
            return Quantity(self.si[key], unit)
        return Quantity(self.given[key], self.units[key] or "dimensionless")

    def as_dict(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value", "unit"}}`` as in ``summary.json`` (plus the distribution)."""
        out: dict[str, dict[str, Any]] = {}
        for k in self.given:
            out[k] = {"value": self.given[k], "unit": self.units[k]}
            if k in self.uncertain:
                out[k].update(self.uncertain[k].as_dict())
        return out


def _unknown(name: str, known: Iterable[str], origin: str) -> ConfigError:
    known = sorted(known)
    close = difflib.get_close_matches(name, known, n=1, cutoff=0.5)
    hint = f"; did you mean {close[0]!r}?" if close else ""
    return ConfigError(
        f"unknown parameter {name!r} ({origin}){hint} Known parameters: {', '.join(known)}"
    )


def parse_assignment(text: str) -> tuple[str, str]:
    """Split ``'NAME=VALUE'`` (from ``--set``) into name and value text.

    Examples
    --------
    >>> parse_assignment('dt = "0.5 fs"')
    ('dt', '0.5 fs')
    """
    if "=" not in text:
        raise ConfigError(f"--set {text!r}: write NAME=VALUE, e.g. --set macro_dt='0.5 s'")
    name, value = text.split("=", 1)
    name, value = name.strip(), value.strip()
    if len(value) >= 2 and value[0] == value[-1] and value[0] in "'\"":
        value = value[1:-1]
    if not name:
        raise ConfigError(f"--set {text!r}: the parameter name is empty")
    return name, value


def read_config(path: str | Path) -> dict[str, Any]:
    """Read a TOML configuration: parameters at the top level or under ``[parameters]``.

    Raises
    ------
    ConfigError
        Missing file, or malformed TOML (with the file name and line).
    """
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise ConfigError(f"cannot read configuration {str(path)!r}: {exc.strerror}") from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"malformed TOML in {str(path)!r}: {exc}") from None
    params = data.pop("parameters", {})
    if not isinstance(params, dict):
        raise ConfigError(f"{str(path)!r}: [parameters] must be a table")
    clash = set(params) & set(data)
    if clash:
        raise ConfigError(f"{str(path)!r}: {sorted(clash)} given both at top level and in "
                          f"[parameters]")
    return {**data, **params}


def resolve_parameters(
    declared: Sequence[Parameter],
    *,
    quick: Mapping[str, Any] | None = None,
    config: Mapping[str, Any] | None = None,
    config_origin: str = "config",
    overrides: Sequence[str] = (),
    samples: Mapping[str, Any] | None = None,
) -> ParameterValues:
    """Merge defaults, quick overrides, a config mapping and ``--set`` strings; check all.

    Parameters
    ----------
    declared : sequence of Parameter
        The case's parameters.
    quick : mapping, optional
        Values replacing defaults in ``--quick`` mode.
    config : mapping, optional
        Values from a TOML file (see :func:`read_config`).
    config_origin : str
        Name of that file, for messages.
    overrides : sequence of str
        ``NAME=VALUE`` strings; the last wins.
    samples : mapping, optional
        The ensemble size from ``--samples`` (``{"n_samples": 512}``): checked like
        any other value of that parameter, and it wins over every other layer.

    Returns
    -------
    ParameterValues
    """
    by_name = {p.name: p for p in declared}
    raw: dict[str, tuple[Any, str]] = {p.name: (p.default, "default") for p in declared}
    for layer, origin in ((quick or {}, "quick"), (config or {}, config_origin)):
        for name, value in layer.items():
            if name not in by_name:
                raise _unknown(name, by_name, origin)
            raw[name] = (value, origin)
    for text in overrides:
        name, value = parse_assignment(text)
        if name not in by_name:
            raise _unknown(name, by_name, "--set")
        raw[name] = (value, "--set")
    for name, value in (samples or {}).items():
        if name not in by_name:
            raise _unknown(name, by_name, "--samples")
        raw[name] = (value, "--samples")
    from scaleweave.core.distribution_text import looks_like_distribution

    out = ParameterValues()
    for name, (value, origin) in raw.items():
        p = by_name[name]
        shown = origin if origin != "default" else ""
        if looks_like_distribution(value):
            dist = p.convert_uncertain(value, origin=shown)
            out.uncertain[name] = dist
            si, given = dist.nominal(), dist.text()
        else:
            si, given = p.convert(value, origin=shown)
        out.si[name], out.given[name], out.units[name] = si, given, p.unit
        out.sources[name] = origin
    return out
