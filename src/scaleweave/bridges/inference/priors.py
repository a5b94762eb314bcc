"""Priors of the hierarchical bridge's scalar hyperparameters, parsed from text.

A :class:`Prior` is a family and its parameters (``"halfcauchy(5)"``), checked when it
is made (a known family, the right number of finite parameters, a positive scale) and
against the support of the parameter it is given to (:meth:`Prior.require`). Used by
:func:`scaleweave.bridges.inference.hierarchical.fit_hierarchical`.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass
from typing import Any

from scaleweave.errors import ConfigError

__all__ = ["DEFAULT_PRIORS", "Prior"]

_FAMILIES: dict[str, tuple[tuple[str, ...], str]] = {
    # name: (parameter names, support)
    "normal": (("loc", "scale"), "real"),
    "studentt": (("df", "loc", "scale"), "real"),
    "halfnormal": (("scale",), "positive"),
    "halfcauchy": (("scale",), "positive"),
    "exponential": (("rate",), "positive"),
    "gamma": (("shape", "rate"), "positive"),
}
_POSITIVE_PARAMS = {"scale", "df", "rate", "shape"}

#: The hierarchical bridge's default priors (link scale).
DEFAULT_PRIORS = {"mu": "normal(0, 5)", "tau": "halfcauchy(5)", "sigma": "halfnormal(5)",
                  "phi": "exponential(0.1)", "beta": "normal(0, 5)"}


@dataclass(frozen=True)
class Prior:
    """A prior distribution of a scalar hyperparameter.

    Parameters
    ----------
    family : str
        One of ``normal(loc, scale)``, ``studentt(df, loc, scale)`` (real line) or
        ``halfnormal(scale)``, ``halfcauchy(scale)``, ``exponential(rate)``,
        ``gamma(shape, rate)`` (positive half-line).
    params : tuple of float
        In the order above, in the unit of the parameter (rate: its inverse).

    Raises
    ------
    ConfigError
        Unknown family, wrong number of parameters, or impossible values (a
        non-positive scale, rate, shape or degrees of freedom; a non-finite value).

    Examples
    --------
    >>> Prior.parse("halfcauchy(5)")
    Prior(family='halfcauchy', params=(5.0,))
    """

    family: str
    params: tuple[float, ...]

    def __post_init__(self) -> None:
        fam = self.family.lower().replace("_", "").replace("-", "")
        if fam not in _FAMILIES:
            known = ", ".join(f"{k}({', '.join(v[0])})" for k, v in _FAMILIES.items())
            raise ConfigError(f"prior family {self.family!r} is not known; use one of {known}")
        object.__setattr__(self, "family", fam)
        names = _FAMILIES[fam][0]
        params = tuple(float(p) for p in self.params)
        object.__setattr__(self, "params", params)
        if len(params) != len(names):
            raise ConfigError(f"prior {fam}: needs {len(names)} parameter(s) "
                              f"({', '.join(names)}), got {len(params)}")
        for n, v in zip(names, params, strict=True):
            if not math.isfinite(v):
                raise ConfigError(f"prior {self}: {n} = {v} must be finite")
            if n in _POSITIVE_PARAMS and v <= 0:
                raise ConfigError(f"prior {self}: {n} = {v:g} is impossible; it must be > 0")

    def __str__(self) -> str:
        return f"{self.family}({', '.join(f'{p:g}' for p in self.params)})"

    @classmethod
    def parse(cls, spec: str | Prior) -> Prior:
        """A prior from text such as ``"normal(0, 5)"`` (or a Prior, returned as is)."""
        if isinstance(spec, Prior):
            return spec
        m = re.fullmatch(r"\s*([A-Za-z_\-]+)\s*\(([^()]*)\)\s*", str(spec))
        if m is None:
            raise ConfigError(f"prior {spec!r} is not of the form family(a, b), e.g. "
                              "'normal(0, 5)' or 'halfcauchy(5)'")
        try:
            values = tuple(float(x) for x in m.group(2).split(",") if x.strip())
        except ValueError:
            raise ConfigError(f"prior {spec!r}: parameters must be numbers") from None
        return cls(m.group(1), values)

    @property
    def support(self) -> str:
        """``"real"`` or ``"positive"``."""
        return _FAMILIES[self.family][1]

    def scale(self) -> float:
        """A typical magnitude of the prior (its scale; 1/rate; shape/rate)."""
        p = dict(zip(_FAMILIES[self.family][0], self.params, strict=True))
        if "scale" in p:
            return p["scale"]
        if self.family == "exponential":
            return 1.0 / p["rate"]
        return p["shape"] / p["rate"]

    def to_numpyro(self) -> Any:
        """The NumPyro distribution."""
        import numpyro.distributions as dist

        a = self.params
        return {
            "normal": lambda: dist.Normal(a[0], a[1]),
            "studentt": lambda: dist.StudentT(a[0], a[1], a[2]),
            "halfnormal": lambda: dist.HalfNormal(a[0]),
            "halfcauchy": lambda: dist.HalfCauchy(a[0]),
            "exponential": lambda: dist.Exponential(a[0]),
            "gamma": lambda: dist.Gamma(a[0], a[1]),
        }[self.family]()

    def require(self, support: str, name: str) -> Prior:
        """Check that the prior lives where the parameter ``name`` does."""
        if self.support != support:
            where = "the positive half-line" if support == "positive" else "the real line"
            hint = "halfcauchy(5)" if support == "positive" else "normal(0, 5)"
            raise ConfigError(f"prior of {name!r} is {self}, but {name} lives on {where}; "
                              f"use e.g. {hint}")
        return self
