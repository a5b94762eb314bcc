"""The ``uq-demo`` references: exact answers, computed from the chosen inputs."""

from __future__ import annotations

import math
from typing import Any

import numpy as np
from scipy import stats

from scaleweave.analytic.ishigami import ishigami_exact
from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.distributions import Interval, Normal, Uniform
from scaleweave.core.parameters import ParameterValues

__all__ = ["exhaustive_bounds", "ishigami_applies", "references"]

_ISHIGAMI = "Ishigami & Homma (1990); Sobol' (2001); Saltelli et al. (2010)"
_SOBOL_KEYS = ("S1_x1", "S1_x2", "S1_x3", "ST_x1", "ST_x2", "ST_x3",
               "S1_scale_atom", "ST_scale_atom", "S1_scale_meso", "ST_scale_meso")


def _is_uniform_pi(d: Any) -> bool:
    return (isinstance(d, Uniform) and not isinstance(d, Interval) and d.kind == "aleatory"
            and math.isclose(d.lo, -math.pi) and math.isclose(d.hi, math.pi))


def ishigami_applies(p: ParameterValues) -> bool:
    """The closed forms hold: x1, x2, x3 all ~ uniform(-pi, pi) aleatory."""
    return all(_is_uniform_pi(p.uncertain.get(n)) for n in ("x1", "x2", "x3"))


def exhaustive_bounds(da: Any, db: Any, p: ParameterValues) -> tuple[float, float]:
    """Bounds of ``(a + b)^a`` on the box from a 2001 x 2001 grid (fixed inputs stay
    fixed), with the interior minimum ``exp(-1/e)`` at ``b = 0`` where the box holds it."""
    ga = np.linspace(da.lo, da.hi, 2001) if da is not None else np.array([p["ob_a"]])
    gb = np.linspace(db.lo, db.hi, 2001) if db is not None else np.array([p["ob_b"]])
    A, B = np.meshgrid(ga, gb, indexing="ij")
    y = (A + B) ** A
    if da is not None and db is not None and da.lo <= 1 / math.e <= da.hi and db.lo == 0.0:
        y = np.append(y.ravel(), math.exp(-1 / math.e))
    return float(np.min(y)), float(np.max(y))


def _ishigami(p: ParameterValues) -> list[Reference | SkippedReference]:
    if not ishigami_applies(p):
        return [SkippedReference("Ishigami closed forms",
                                 "they need x1, x2, x3 ~ uniform(-pi, pi) aleatory")]
    ex = ishigami_exact(p["a"], p["b"])
    refs: list[Reference | SkippedReference] = [
        # Monte Carlo estimate: 4 standard errors (QMC: from independent scramblings).
        Reference("Ishigami mean", "ishigami_mean", ex["mean"], 1e-4, _ISHIGAMI, "abs",
                  sigmas=4),
        Reference("Ishigami variance", "ishigami_variance", ex["var"], 0.0, _ISHIGAMI, "abs",
                  sigmas=4),
    ]
    # Sobol' indices: 3 bootstrap standard errors of this run's estimate.
    refs += [Reference(f"Ishigami {key}", key, ex[key.replace("scale_", "")], 0.0, _ISHIGAMI,
                       "abs", sigmas=3) for key in _SOBOL_KEYS]
    k = p["coverage_repeats"]
    if k > 0:
        refs.append(Reference(
            f"coverage of the 95% interval of the mean ({k} seeded repeats, n=256)",
            "mean_interval_coverage", 0.95, 3 * math.sqrt(0.95 * 0.05 / k),
            "a 95% interval must cover the true mean 95% of the time; tolerance 3 binomial "
            "standard deviations", "abs"))
    else:
        refs.append(SkippedReference("coverage of the 95% interval of the mean",
                                     "coverage_repeats = 0"))
    return refs


def _pbox(p: ParameterValues) -> list[Reference | SkippedReference]:
    mu, z = p.uncertain.get("mu"), p.uncertain.get("z")
    if not (isinstance(mu, Interval) and isinstance(z, Normal) and z.kind == "aleatory"):
        return [SkippedReference("P(X > t) bounds", "they need mu an interval and z a "
                                 "normal aleatory distribution")]
    t = p["threshold"]
    src = "exact normal tails: P(X > t) = 1 - Phi((t - mu - m)/s) at the ends of mu"
    # 3 binomial standard errors of the inner loop's estimate at the bounding point
    # (the i.i.d. error: an upper bound for the scrambled Sobol' inner design).
    return [Reference("P(X > t) lower bound", "P_exceed_lower",
                      float(stats.norm.sf((t - mu.lo - z.mean) / z.sd)), 0.0, src, "abs",
                      sigmas=3),
            Reference("P(X > t) upper bound", "P_exceed_upper",
                      float(stats.norm.sf((t - mu.hi - z.mean) / z.sd)), 0.0, src, "abs",
                      sigmas=3)]


def _challenge(p: ParameterValues) -> list[Reference | SkippedReference]:
    ea, eb = p.uncertain.get("ob_a"), p.uncertain.get("ob_b")
    given = [d for d in (ea, eb) if d is not None]
    if not given or not all(isinstance(d, Interval) for d in given):
        return [SkippedReference("challenge y bounds", "they need ob_a and ob_b intervals "
                                 "(or fixed)")]
    lo, hi = exhaustive_bounds(ea, eb, p)
    src = ("Oberkampf et al. (2004) challenge problem, [0.69220, 2.0] for the default box; "
           "here from an exhaustive 2001 x 2001 grid of the box")
    return [Reference("challenge y lower bound", "challenge_y_lower", lo, 1e-4, src, "abs"),
            Reference("challenge y upper bound", "challenge_y_upper", hi, 1e-4, src, "abs")]


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Every exact answer that applies to the inputs ``p``; the others with the reason."""
    return [*_ishigami(p), *_pbox(p), *_challenge(p)]
