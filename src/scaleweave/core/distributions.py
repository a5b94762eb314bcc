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

(read by :func:`~scaleweave.core.distribution_text.parse_distribution`). The kind tag
is optional: a distribution without one is **epistemic** (the cautious reading: with
an aleatory input beside it, it goes to the outer loop of a p-box rather than being
averaged away). Write ``aleatory`` for variability.

Every distribution maps a point ``u`` of the unit interval to a value (its quantile
function, :meth:`Uncertain.ppf`), so Monte Carlo, scrambled Sobol' points and
Saltelli designs all drive it the same way. Values come out in SI.

Units in Python
---------------
The arguments are in the distribution's ``unit``. One rule, as for a bare number
given to :meth:`Study.set_input <scaleweave.core.study.Study.set_input>`: a
distribution without a unit (``LogNormal(20, 0.3)``) given for an input in ``um``
is read in ``um``, the unit of the port it feeds; one with a unit is checked
against that port's dimension (``LogNormal(20, 0.3, unit="eV")`` for a length is an
error). :func:`~scaleweave.uq.propagate.propagate` and
:func:`~scaleweave.uq.sensitivity.sobol_indices` apply it (:meth:`Uncertain.in_unit`).
"""

from __future__ import annotations

import dataclasses
import math
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
from scipy import stats

from scaleweave.core.units import dimensionality, format_unit, ureg
from scaleweave.errors import ConfigError, UnitError

__all__ = [
    "Interval",
    "LogNormal",
    "Normal",
    "Truncated",
    "Uncertain",
    "Uniform",
]

Kind = Literal["aleatory", "epistemic"]


@dataclass(frozen=True)
class Uncertain:
    """Base class: a distribution of a quantity in ``unit``, of a ``kind``.

    Subclasses define :meth:`_ppf_unit` (quantile function in ``unit``),
    :meth:`support` and :meth:`describe`. Parameters are stored in ``unit``.

    Parameters
    ----------
    unit : str, keyword-only
        Unit of the arguments (``""``: none given; then read in the unit of the input
        it is given for, see :meth:`in_unit`).
    kind : {"epistemic", "aleatory"}, keyword-only
        Lack of knowledge (the default) or irreducible variability.
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

    def attains(self) -> tuple[bool, bool]:
        """Whether the ends of :meth:`support` are values it takes (a log-normal's 0 is
        not), so that ``lognormal(...)`` suits a parameter that must be > 0."""
        return tuple(math.isfinite(b) for b in self.support())  # type: ignore[return-value]

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

    def in_unit(self, unit: str, *, where: str = "distribution") -> Uncertain:
        """This distribution for an input in ``unit``.

        Without a unit of its own it is read in ``unit`` (as a bare number is); with
        one, that unit must have the dimension of ``unit``.

        Raises
        ------
        UnitError
            Its unit has another dimension (a molar energy for an energy per particle
            included: give it in the input's unit).

        Examples
        --------
        >>> LogNormal(20.0, 0.3).in_unit("um").unit
        'um'
        >>> round(LogNormal(20.0, 0.3).in_unit("um").nominal(), 12)
        2e-05
        """
        if not self.unit:
            return self._with_unit(unit) if unit else self
        if _dimension(self.unit) != _dimension(unit or "dimensionless"):
            raise UnitError(
                f"{where}: {self.describe()} is in {format_unit(self.unit) or 'no unit'} "
                f"({dimensionality(self.unit)}) but the input is in "
                f"{format_unit(unit) or 'a pure number'} "
                f"({dimensionality(unit or 'dimensionless')}); give it in "
                f"{format_unit(unit) or 'no unit'}")
        return self

    def _with_unit(self, unit: str) -> Uncertain:
        return dataclasses.replace(self, unit=unit)

    def as_dict(self) -> dict:
        """Provenance entry for ``summary.json``."""
        return {"distribution": self.describe(), "kind": self.kind, "unit": self.unit}


def _dimension(unit: str) -> str:
    return dimensionality(unit or "dimensionless")


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
        if not math.isfinite(self.mean):
            raise ConfigError(f"{self.describe()}: the mean must be a finite number, got "
                              f"{self.mean:g}")
        if not (self.sd > 0 and math.isfinite(self.sd)):
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
        if not (self.median > 0 and math.isfinite(self.median)):
            raise ConfigError(f"{self.describe()}: the median must be positive and finite, "
                              f"got {self.median:g}")
        if not (self.sigma > 0 and math.isfinite(self.sigma)):
            raise ConfigError(f"{self.describe()}: the log-standard deviation must be positive "
                              f"and finite, got {self.sigma:g}")

    def _ppf_unit(self, u):
        return stats.lognorm.ppf(u, s=self.sigma, scale=self.median)

    def _cdf_unit(self, x):
        return stats.lognorm.cdf(x, s=self.sigma, scale=self.median)

    def support(self):
        return (0.0, math.inf)

    def attains(self):
        return (False, False)

    def describe(self):
        return f"lognormal({_q(self.median, self.unit)}, {self.sigma:g})"


@dataclass(frozen=True)
class Uniform(Uncertain):
    """Uniform distribution on ``[lo, hi]`` (in ``unit``)."""

    lo: float
    hi: float

    def __post_init__(self) -> None:
        super().__post_init__()
        bad = [f"{n}={v:g}" for n, v in (("lo", self.lo), ("hi", self.hi))
               if not math.isfinite(v)]
        if bad:
            raise ConfigError(f"{self.describe()}: the bounds must be finite numbers, got "
                              f"{', '.join(bad)} (for a one-sided range, truncate a "
                              f"distribution: truncated(normal(...), lo, inf))")
        if not self.lo < self.hi:
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
        if math.isnan(self.lo) or math.isnan(self.hi):
            raise ConfigError(f"{self.describe()}: the bounds must be numbers, got "
                              f"lo={self.lo:g}, hi={self.hi:g}")
        if not self.lo < self.hi:
            raise ConfigError(f"{self.describe()}: needs lo < hi, got lo={self.lo:g}, "
                              f"hi={self.hi:g}")
        if isinstance(self.base, Interval):
            raise ConfigError(f"{self.describe()}: an interval cannot be truncated; narrow it")
        p_lo, p_hi = self._cdf_bounds()
        if not p_hi - p_lo > 1e-12:
            raise ConfigError(f"{self.describe()}: the range holds no probability of "
                              f"{self.base.describe()}")

    def _with_unit(self, unit: str) -> Uncertain:
        base = self.base.in_unit(unit) if not self.base.unit else self.base
        return dataclasses.replace(self, base=base, unit=unit)

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


def __getattr__(name: str) -> Any:
    # The text form (``"normal(1 eV, 0.1 eV) epistemic"``) is read in
    # core.distribution_text (which imports this module); its names stay importable here.
    if name in ("DISTRIBUTIONS", "looks_like_distribution", "parse_distribution"):
        from scaleweave.core import distribution_text

        return getattr(distribution_text, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
