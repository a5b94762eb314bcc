"""Dense output of a coupled partner over one macro step (its *waveform*).

When submodels advance with different steps, the fast one needs the slow one's
boundary data at times between synchronisation points. A :class:`Waveform` is the
partner's trajectory over ``[t0, t1]`` as a callable. :class:`LinearWaveform` is the
default (second-order-consistent with velocity Verlet), :class:`HermiteWaveform` is
cubic when the partner also exports rates, and :class:`HoldWaveform` carries the
value at ``t0`` of a partner that has not advanced yet; it refuses to be read at a
later time, so an ordering mistake cannot silently drop the order of accuracy.

How to add an interpolation
---------------------------
Subclass :class:`Waveform`, implement ``__call__(t)``, and register the class in
:data:`INTERPOLATIONS` under a name; a coupler exchange then selects it by name.
"""

from __future__ import annotations

from typing import Any, ClassVar

import numpy as np

from scaleweave.errors import ModelError

__all__ = ["INTERPOLATIONS", "HermiteWaveform", "HoldWaveform", "LinearWaveform", "Waveform"]

_EPS = 1e-12


class Waveform:
    """A partner's exported value as a function of time on ``[t0, t1]`` (s).

    Attributes
    ----------
    t0, t1 : float
        The interval (s) on which the waveform may be read.
    order : int
        Order of accuracy of the interpolant (error ~ H**order).
    """

    order: ClassVar[int] = 0
    needs_rate: ClassVar[bool] = False

    def __init__(self, t0: float, t1: float) -> None:
        self.t0, self.t1 = float(t0), float(t1)

    def covers(self, t: float) -> bool:
        """True if the waveform may be read at ``t``."""
        span = self.t1 - self.t0
        tol = _EPS * (span if span > 1.0 else 1.0)
        return self.t0 - tol <= t <= self.t1 + tol

    def _check(self, t: float) -> None:
        if not self.covers(t):
            raise ModelError(
                f"waveform read at t={t:.6g} s outside its interval [{self.t0:.6g}, "
                f"{self.t1:.6g}] s: the partner has not advanced that far (coupling order)"
            )

    def __call__(self, t: float) -> Any:
        self._check(t)
        return self.at(t)

    def at(self, t: float) -> Any:
        """Value at ``t`` without the interval check (the caller checked :meth:`covers`)."""
        raise NotImplementedError


class HoldWaveform(Waveform):
    """The value at ``t0`` of a partner that has not advanced yet (readable at t0 only)."""

    order = 0

    def __init__(self, t0: float, y0: Any) -> None:
        super().__init__(t0, t0)
        self.y0 = y0

    def at(self, t: float) -> Any:
        return self.y0


class LinearWaveform(Waveform):
    """Linear interpolation between the partner's values at ``t0`` and ``t1``.

    Examples
    --------
    >>> w = LinearWaveform(0.0, 1.0, 2.0, 3.0)
    >>> float(w(0.5))
    1.5
    """

    order = 2

    def __init__(self, t0: float, y0: Any, t1: float, y1: Any) -> None:
        super().__init__(t0, t1)
        if isinstance(y0, float) and isinstance(y1, float):  # scalars: plain float math
            self.y0, self.slope = float(y0), (float(y1) - float(y0)) / (t1 - t0)
        else:
            self.y0 = y0
            self.slope = (np.asarray(y1) - np.asarray(y0)) / (t1 - t0)

    def at(self, t: float) -> Any:
        return self.y0 + self.slope * (t - self.t0)


class HermiteWaveform(Waveform):
    """Cubic Hermite interpolation from values and rates at both ends.

    Examples
    --------
    >>> w = HermiteWaveform(0.0, 0.0, 0.0, 1.0, 1.0, 3.0)  # y = t**3
    >>> round(float(w(0.5)), 12)
    0.125
    """

    order = 4
    needs_rate = True

    def __init__(self, t0: float, y0: Any, dy0: Any, t1: float, y1: Any, dy1: Any) -> None:
        super().__init__(t0, t1)
        self.h = t1 - t0
        self.y0, self.y1 = np.asarray(y0), np.asarray(y1)
        self.m0, self.m1 = np.asarray(dy0) * self.h, np.asarray(dy1) * self.h

    def at(self, t: float) -> Any:
        s = (t - self.t0) / self.h
        s2, s3 = s * s, s * s * s
        return ((2 * s3 - 3 * s2 + 1) * self.y0 + (s3 - 2 * s2 + s) * self.m0
                + (-2 * s3 + 3 * s2) * self.y1 + (s3 - s2) * self.m1)


INTERPOLATIONS: dict[str, type[Waveform]] = {
    "linear": LinearWaveform,
    "hermite": HermiteWaveform,
}
