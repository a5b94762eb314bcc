"""Reference checks and validity diagnostics: how a result says whether to trust it.

A :class:`Reference` is what a case expects before it runs: an analytic or published
value for one of its outputs, with its source and tolerance (or the reason it does not
apply to the chosen inputs). Checked against the run's outputs it becomes a
:class:`ReferenceCheck`, which compares one of our numbers with that value. A
:class:`Validity` is a bridge's own diagnostic of its regime (scale-separation
ratio, RVE residual, QSSA epsilon, switching threshold): a value against a limit.
Both serialise to the ``references`` and ``validity`` entries of ``summary.json``.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

__all__ = ["POLICIES", "Reference", "ReferenceCheck", "SkippedReference", "Validity",
           "apply_validity_policy", "check_policy"]

Comparison = Literal["rel", "abs", "le", "ge"]


def _finite(x: float) -> float | None:
    """A JSON-safe number: NaN (no value) and infinities become None."""
    x = float(x)
    return x if math.isfinite(x) else None


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
    unit : str
        The unit of ``value`` and ``expected`` (and of an ``abs``, ``le`` or ``ge``
        tolerance): that of the output compared; ``""`` for a pure number.

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
    unit: str = ""

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
        return {"name": self.name, "value": _finite(self.value), "expected": float(self.expected),
                "tolerance": float(self.tolerance), "passed": self.passed,
                "source": self.source, "comparison": self.comparison, "unit": self.unit}


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
    counterexample : bool
        A deliberate counter-example (a method run where it is known to fail, to
        show the failure): reported as it is, never counted as a failure.

    Examples
    --------
    >>> Validity("qssa", "epsilon", 0.01, 0.1).ok
    True
    >>> Validity("centred form", "divergences", 12, 0, counterexample=True).counts
    False
    """

    bridge: str
    diagnostic: str
    value: float
    limit: float
    sense: Literal["le", "ge"] = "le"
    counterexample: bool = False

    @property
    def counts(self) -> bool:
        """Whether this entry is a failure that counts (outside its limit, not a
        deliberate counter-example)."""
        return not self.ok and not self.counterexample

    @property
    def ok(self) -> bool:
        """Whether the bridge is inside its regime (a NaN is not)."""
        v = float(self.value)
        if math.isnan(v):
            return False
        return v <= self.limit if self.sense == "le" else v >= self.limit

    def as_dict(self) -> dict:
        """The ``summary.json`` entry."""
        return {"bridge": self.bridge, "diagnostic": self.diagnostic, "value": _finite(self.value),
                "limit": float(self.limit), "ok": self.ok, "sense": self.sense,
                "counterexample": self.counterexample}


@dataclass(frozen=True)
class SkippedReference:
    """A reference that does not apply to the chosen inputs, and why.

    Listed in ``summary.json`` (``skipped_references``) and in the report, so "not
    applicable" reads differently from "forgotten".
    """

    name: str
    reason: str

    def as_dict(self) -> dict:
        """The ``summary.json`` entry."""
        return {"name": self.name, "reason": self.reason}


@dataclass(frozen=True)
class Reference:
    """An expected value for one output of a case, known before the case runs.

    A case's ``references(params)`` returns these, computed from the run's own
    inputs, so they can be reviewed and tested without running anything; the case
    base looks our value up by ``output`` after the run.

    Parameters
    ----------
    name : str
        What is compared (one line in the report).
    output : str
        The case output holding our value.
    expected : float
        The analytic or published value, in the output's unit.
    tolerance : float
        As in :class:`ReferenceCheck`.
    source : str
        Citation or formula.
    comparison : {"rel", "abs", "le", "ge"}
        As in :class:`ReferenceCheck`.
    sigmas : float, optional
        For a Monte Carlo estimate (``comparison="abs"``): the tolerance is at least
        ``sigmas`` times the output's Monte Carlo standard error (``Output.error``),
        so it follows the error of that run.
    interval : bool
        For a posterior or a sampled estimate with a 95% interval (``comparison="abs"``):
        the tolerance is at least the larger half-width of the output's interval,
        ``max(hi - value, value - lo)``, so the check reads "the expected value (e.g.
        a simulation's truth) lies within our 95% interval" (symmetrised).

    Examples
    --------
    >>> from scaleweave.core.results import Output
    >>> ref = Reference("mean", "y_mean", 0.5, 1e-4, "exact", "abs", sigmas=4)
    >>> check = ref.check({"y_mean": Output(0.503, "m", error=0.001)})
    >>> round(check.tolerance, 6), check.passed, check.unit
    (0.004, True, 'm')
    >>> truth = Reference("truth inside", "b", 0.8, 0.0, "simulated", "abs", interval=True)
    >>> check = truth.check({"b": Output(1.0, lo=0.54, hi=1.58)})
    >>> round(check.tolerance, 2), check.passed
    (0.58, True)
    """

    name: str
    output: str
    expected: float
    tolerance: float
    source: str
    comparison: Comparison = "rel"
    sigmas: float | None = None
    interval: bool = False

    def __post_init__(self) -> None:
        if self.sigmas is not None and self.comparison != "abs":
            raise ValueError(f"reference {self.name!r}: a tolerance in Monte Carlo standard "
                             "errors needs comparison='abs'")
        if self.interval and self.comparison != "abs":
            raise ValueError(f"reference {self.name!r}: a tolerance from the output's "
                             "interval needs comparison='abs'")

    def check(self, outputs: Mapping[str, Any]) -> ReferenceCheck:
        """Our value from ``outputs`` against the expected one, in the output's unit.

        Raises
        ------
        KeyError
            The case produced no output named ``output`` (a bug in the case).
        """
        if self.output not in outputs:
            raise KeyError(f"reference {self.name!r} compares output {self.output!r}, which "
                           f"the case did not produce (outputs: {sorted(outputs)})")
        out = outputs[self.output]
        value = float(getattr(out, "value", out))
        tol = float(self.tolerance)
        if self.sigmas is not None:
            error = getattr(out, "error", None)
            if error is None:
                raise KeyError(f"reference {self.name!r}: output {self.output!r} has no Monte "
                               "Carlo error to scale the tolerance by")
            tol = max(tol, self.sigmas * float(error))
        if self.interval:
            lo, hi = getattr(out, "lo", None), getattr(out, "hi", None)
            if lo is None or hi is None:
                raise KeyError(f"reference {self.name!r}: output {self.output!r} has no "
                               "interval to take the tolerance from")
            tol = max(tol, float(hi) - value, value - float(lo))
        return ReferenceCheck(self.name, value, float(self.expected), tol, self.source,
                              self.comparison, unit=str(getattr(out, "unit", "") or ""))


#: What a diagnostic outside its limit does: only recorded (the default: the study or
#: the case collects it into its result), also a warning, or an error.
POLICIES = ("record", "warn", "raise")


def check_policy(policy: str) -> str:
    """``policy`` if it is one of :data:`POLICIES`; a :class:`ConfigError` otherwise."""
    if policy not in POLICIES:
        from scaleweave.errors import ConfigError

        raise ConfigError(f"validity policy {policy!r} is not 'record', 'warn' or 'raise'")
    return policy


def apply_validity_policy(checks: Iterable[Validity], policy: str, *,
                          stacklevel: int = 2) -> None:
    """Warn or raise for the diagnostics outside their limits, as ``policy`` says.

    The one place a validity diagnostic becomes a warning or an error: engines and
    bridges return their diagnostics; whoever runs them (a study, a case, a user's
    script) chooses the policy.

    Raises
    ------
    ValidityError
        With ``policy="raise"``, naming every failed diagnostic.

    Examples
    --------
    >>> apply_validity_policy([Validity("qssa", "epsilon", 0.3, 0.1)], "record")
    >>> apply_validity_policy([Validity("qssa", "epsilon", 0.3, 0.1)], "raise")
    Traceback (most recent call last):
    ...
    scaleweave.errors.ValidityError: model 'qssa': epsilon = 0.3 is above its limit 0.1
    """
    from scaleweave.errors import ValidityError, ValidityWarning

    check_policy(policy)
    bad = [v for v in checks if not v.ok]
    if not bad or policy == "record":
        return
    text = "; ".join(f"model {v.bridge!r}: {v.diagnostic} = {v.value:.4g} is "
                     f"{'above' if v.sense == 'le' else 'below'} its limit {v.limit:g}"
                     for v in bad)
    if policy == "raise":
        raise ValidityError(text)
    warnings.warn(text, ValidityWarning, stacklevel=stacklevel + 1)
