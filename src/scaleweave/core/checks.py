"""Reference checks and validity diagnostics: how a result says whether to trust it.

A :class:`ReferenceCheck` compares one of our numbers with an analytic or published
value (with its source and tolerance). A :class:`Validity` is a bridge's own
diagnostic of its regime (scale-separation ratio, RVE residual, QSSA epsilon,
switching threshold): a value against a limit. Both serialise to the
``references`` and ``validity`` entries of ``summary.json``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal

__all__ = ["ReferenceCheck", "Validity"]

Comparison = Literal["rel", "abs", "le", "ge"]


@dataclass(frozen=True)
class ReferenceCheck:
    """One of our values against a reference value.

    Parameters
    ----------
    name : str
        What is compared.
    value : float
        Ours.
    expected : float
        The reference.
    tolerance : float
        ``rel``: allowed relative error; ``abs``: allowed absolute error;
        ``le`` / ``ge``: slack on ``value <= expected`` / ``value >= expected``.
    source : str
        Where the reference comes from (paper, formula).
    comparison : {"rel", "abs", "le", "ge"}
        How ``value`` is compared with ``expected``.

    Examples
    --------
    >>> ReferenceCheck("ratio", 3.9, 4.0, 0.1, "second order").passed
    True
    >>> ReferenceCheck("growth", 2.0, 1.1, 0.0, "bounded", comparison="le").passed
    False
    """

    name: str
    value: float
    expected: float
    tolerance: float
    source: str
    comparison: Comparison = "rel"

    @property
    def passed(self) -> bool:
        """Whether the check holds (a NaN never passes)."""
        v, e, tol = float(self.value), float(self.expected), float(self.tolerance)
        if math.isnan(v):
            return False
        if self.comparison == "rel":
            return abs(v - e) <= tol * abs(e)
        if self.comparison == "abs":
            return abs(v - e) <= tol
        if self.comparison == "le":
            return v <= e + tol
        if self.comparison == "ge":
            return v >= e - tol
        raise ValueError(f"unknown comparison {self.comparison!r}")

    def as_dict(self) -> dict:
        """The ``summary.json`` entry."""
        return {"name": self.name, "value": float(self.value), "expected": float(self.expected),
                "tolerance": float(self.tolerance), "passed": self.passed,
                "source": self.source, "comparison": self.comparison}


@dataclass(frozen=True)
class Validity:
    """A bridge's diagnostic of its own regime: ``value`` against ``limit``.

    Parameters
    ----------
    bridge : str
        Which bridge or coupling reports it.
    diagnostic : str
        What is measured (``"QSSA epsilon"``).
    value, limit : float
        The diagnostic and its limit.
    sense : {"le", "ge"}
        ``le``: valid while ``value <= limit``; ``ge``: while ``value >= limit``.

    Examples
    --------
    >>> Validity("qssa", "epsilon", 0.01, 0.1).ok
    True
    """

    bridge: str
    diagnostic: str
    value: float
    limit: float
    sense: Literal["le", "ge"] = "le"

    @property
    def ok(self) -> bool:
        """Whether the bridge is inside its regime (a NaN is not)."""
        v = float(self.value)
        if math.isnan(v):
            return False
        return v <= self.limit if self.sense == "le" else v >= self.limit

    def as_dict(self) -> dict:
        """The ``summary.json`` entry."""
        return {"bridge": self.bridge, "diagnostic": self.diagnostic, "value": float(self.value),
                "limit": float(self.limit), "ok": self.ok, "sense": self.sense}
