"""Uncertain parameters: distributions with units, tagged aleatory or epistemic.

*Aleatory* uncertainty is irreducible variability (the microstructure of two nominally
identical parts); *epistemic* uncertainty is lack of knowledge (a rate constant
nobody has measured well). Both are written as text, in a case's TOML or with
``--set``::

    barrier=normal(0.25 eV, 0.02 eV) epistemic
    grain=lognormal(20 um, 0.3) aleatory          # median, log-standard deviation
    porosity=uniform(0.01, 0.05) aleatory
    k=truncated(normal(1 W/m/K, 0.5 W/m/K), 0.1 W/m/K, 3 W/m/K) epistemic
    a=interval(0.1, 1)                            # no probability: epistemic only

Every distribution maps a point ``u`` of the unit interval to a value (its quantile
function, :meth:`Uncertain.ppf`), so Monte Carlo, scrambled Sobol' points and
Saltelli designs all drive it the same way. Values come out in SI.
"""

from __future__ import annotations

import difflib
import math
import re
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy import stats

from scaleweave.core.units import convert, format_unit, parse_quantity, ureg
from scaleweave.errors import ConfigError, UnitError

__all__ = [
    "DISTRIBUTIONS",
    "Interval",
    "LogNormal",
    "Normal",
    "Truncated",
    "Uncertain",
    "Uniform",
    "looks_like_distribution",
    "parse_distribution",
]

Kind = Literal["aleatory", "epistemic"]


@dataclass(frozen=True)
class Uncertain:
    """Base class: a distribution of a quantity in ``unit``, of a ``kind``.

    Subclasses define :meth:`_ppf_unit` (quantile function in ``unit``),
    :meth:`support` and :meth:`describe`. Parameters are stored in ``unit``.
    """

    unit: str = field(default="", kw_only=True)
    kind: Kind = field(default="epistemic", kw_only=True)

    def __post_init__(self) -> None:
        if self.kind not in ("aleatory", "epistemic"):
            raise ConfigError(f"{self.describe()}: kind must be 'aleatory' or 'epistemic', "
                              f"got {self.kind!r}")

    # -- to override ---------------------------------------------------------------
    def _ppf_unit(self, u: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def _cdf_unit(self, x: np.ndarray) -> np.ndarray:
        raise NotImplementedError

    def cdf(self, x_si: np.ndarray | float) -> np.ndarray:
        """Cumulative probability of SI values ``x_si``."""
        scale = float(self._si_factor(np.array(1.0)))
        offset = float(self._si_factor(np.array(0.0)))
        return self._cdf_unit((np.asarray(x_si, float) - offset) / (scale - offset))

    def support(self) -> tuple[float, float]:
        """Lowest and highest possible value (in ``unit``; may be infinite)."""
        raise NotImplementedError

    def describe(self) -> str:
        """The distribution as text, as it would be written with ``--set``."""
        raise NotImplementedError

    # -- shared --------------------------------------------------------------------
    @property
    def is_interval(self) -> bool:
        """True for a bare interval (bounds without probability)."""
        return False

    def _si_factor(self, values: np.ndarray) -> np.ndarray:
        q = ureg.Quantity(values, ureg.Unit(self.unit) if self.unit else ureg.dimensionless)
        return np.asarray(q.to_base_units().magnitude, dtype=float)

    def ppf(self, u: np.ndarray | float) -> np.ndarray:
        """Quantiles in SI for probabilities ``u`` in (0, 1).

        Examples
        --------
        >>> round(float(Normal(1.0, 0.5, unit="eV").ppf(0.5)), 30)
        1.602176634e-19
        """
        u = np.asarray(u, dtype=float)
        if np.any((u < 0) | (u > 1)):
            raise ValueError("probabilities must lie in [0, 1]")
        return self._si_factor(self._ppf_unit(u))

    def nominal(self) -> float:
        """The median (an interval's midpoint), SI."""
        return float(self.ppf(0.5))

    def box(self, coverage: float = 1.0 - 1e-6) -> tuple[float, float]:
        """A finite range (SI) holding ``coverage`` of the probability (whole interval)."""
        lo, hi = self.ppf(np.array([(1 - coverage) / 2, (1 + coverage) / 2]))
        return float(lo), float(hi)

    def text(self) -> str:
        """``describe()`` plus the kind tag."""
        return f"{self.describe()} {self.kind}"

    def as_dict(self) -> dict:
        """Provenance entry for ``summary.json``."""
        return {"distribution": self.describe(), "kind": self.kind, "unit": self.unit}


def _q(x: float, unit: str) -> str:
    u = format_unit(unit) if unit else ""
    return f"{x:g} {u}".strip()


@dataclass(frozen=True)
class Normal(Uncertain):
    """Normal distribution with ``mean`` and standard deviation ``sd`` (in ``unit``)."""

    mean: float
    sd: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (self.sd > 0 and math.isfinite(self.sd) and math.isfinite(self.mean)):
            raise ConfigError(f"{self.describe()}: the standard deviation must be a positive "
                              f"finite number, got {self.sd:g}")

    def _ppf_unit(self, u):
        return stats.norm.ppf(u, loc=self.mean, scale=self.sd)

    def _cdf_unit(self, x):
        return stats.norm.cdf(x, loc=self.mean, scale=self.sd)

    def support(self):
        return (-math.inf, math.inf)

    def describe(self):
        return f"normal({_q(self.mean, self.unit)}, {_q(self.sd, self.unit)})"


@dataclass(frozen=True)
class LogNormal(Uncertain):
    """Log-normal distribution: ``median`` (in ``unit``) and log-standard deviation ``sigma``."""

    median: float
    sigma: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.median > 0:
            raise ConfigError(f"{self.describe()}: the median must be positive")
        if not (self.sigma > 0 and math.isfinite(self.sigma)):
            raise ConfigError(f"{self.describe()}: the log-standard deviation must be positive")

    def _ppf_unit(self, u):
        return stats.lognorm.ppf(u, s=self.sigma, scale=self.median)

    def _cdf_unit(self, x):
        return stats.lognorm.cdf(x, s=self.sigma, scale=self.median)

    def support(self):
        return (0.0, math.inf)

    def describe(self):
        return f"lognormal({_q(self.median, self.unit)}, {self.sigma:g})"


@dataclass(frozen=True)
class Uniform(Uncertain):
    """Uniform distribution on ``[lo, hi]`` (in ``unit``)."""

    lo: float
    hi: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not (math.isfinite(self.lo) and math.isfinite(self.hi) and self.lo < self.hi):
            raise ConfigError(f"{self.describe()}: needs lo < hi, got lo={self.lo:g}, "
                              f"hi={self.hi:g}")

    def _ppf_unit(self, u):
        return self.lo + u * (self.hi - self.lo)

    def _cdf_unit(self, x):
        return np.clip((np.asarray(x, float) - self.lo) / (self.hi - self.lo), 0.0, 1.0)

    def support(self):
        return (self.lo, self.hi)

    def describe(self):
        return f"uniform({_q(self.lo, self.unit)}, {_q(self.hi, self.unit)})"


@dataclass(frozen=True)
class Interval(Uniform):
    """Bounds without probability: epistemic only.

    Sampled uniformly where a sampler needs points, but propagated as an interval:
    outputs get lower and upper bounds, not a distribution.
    """

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.kind != "epistemic":
            raise ConfigError(f"{self.describe()}: an interval carries no probability, so it "
                              f"can only be epistemic (drop the '{self.kind}' tag or give a "
                              f"distribution)")

    @property
    def is_interval(self) -> bool:
        return True

    def nominal(self) -> float:
        return float(self.ppf(0.5))

    def describe(self):
        return f"interval({_q(self.lo, self.unit)}, {_q(self.hi, self.unit)})"


@dataclass(frozen=True)
class Truncated(Uncertain):
    """Any distribution ``base`` restricted to ``[lo, hi]`` (in ``unit``)."""

    base: Uncertain
    lo: float
    hi: float

    def __post_init__(self) -> None:
        super().__post_init__()
        if not self.lo < self.hi:
            raise ConfigError(f"{self.describe()}: needs lo < hi")
        if isinstance(self.base, Interval):
            raise ConfigError(f"{self.describe()}: an interval cannot be truncated; narrow it")
        p_lo, p_hi = self._cdf_bounds()
        if not p_hi - p_lo > 1e-12:
            raise ConfigError(f"{self.describe()}: the range holds no probability of "
                              f"{self.base.describe()}")

    def _cdf_bounds(self) -> tuple[float, float]:
        return float(self.base._cdf_unit(self.lo)), float(self.base._cdf_unit(self.hi))

    def _cdf_unit(self, x):
        p_lo, p_hi = self._cdf_bounds()
        return np.clip((self.base._cdf_unit(x) - p_lo) / (p_hi - p_lo), 0.0, 1.0)

    def _ppf_unit(self, u):
        # Invert the base CDF on the truncated range via its quantile function.
        p_lo, p_hi = self._cdf_bounds()
        return np.clip(self.base._ppf_unit(p_lo + u * (p_hi - p_lo)), self.lo, self.hi)

    def support(self):
        return (self.lo, self.hi)

    def describe(self):
        return (f"truncated({self.base.describe()}, {_q(self.lo, self.unit)}, "
                f"{_q(self.hi, self.unit)})")


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
    import dataclasses

    return [f for f in dataclasses.fields(cls) if f.name not in ("unit", "kind")]
