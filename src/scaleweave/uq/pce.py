"""Polynomial chaos expansions (PCE) of scalar outputs, with cross-validated error.

A :class:`PCESurrogate` is a polynomial chaos expansion of scalar outputs in
the uncertain inputs: orthonormal polynomials of the inputs' own distributions
(Legendre for uniform, Hermite for normal and, in ``log x``, log-normal; the
polynomials of the truncated normal for a truncated normal and, in ``log x``, a
truncated log-normal; Legendre in the probability ``cdf(x)`` for anything else,
which suits distributions whose quantile function is smooth, i.e. whose density
stays away from zero on a bounded support), total degree up to ``order``, fitted by least squares on
training points (point collocation). Because the basis is orthonormal under the
input distribution, the mean is the constant coefficient and the variance the sum
of the other squared coefficients: exact for the expansion, no sampling.

Error control: the k-fold cross-validated relative RMS error of every output
(:attr:`PCESurrogate.cv_error`) is reported as a :class:`~scaleweave.core.checks.Validity`
against a tolerance, and :meth:`PCESurrogate.predict` refuses points outside the
trained box (:class:`ExtrapolationError`): a polynomial fitted on a box says nothing
reliable outside it. The box of a bounded input is its distribution's support (the
expansion is fitted over the whole distribution, and the Sobol' points come within
1/n of its ends); that of an unbounded input is the range of its training points.

Training a surrogate of a :class:`~scaleweave.core.model.Model` and using it in its
place is :mod:`scaleweave.uq.surrogate`. The basis and the fit are one module because
the fit's design matrix is the basis evaluated at the training points, and prediction
evaluates the same basis.

References
----------
Xiu, D. & Karniadakis, G. E. (2002). The Wiener-Askey polynomial chaos for
stochastic differential equations. SIAM J. Sci. Comput. 24, 619-644.
Hosder, S., Walters, R. W. & Balch, M. (2007). Efficient sampling for non-intrusive
polynomial chaos applications with multiple uncertain input variables. AIAA
2007-1939 (point collocation by regression).
Feinberg, J. & Langtangen, H. P. (2015). Chaospy: an open source tool for designing
methods of uncertainty quantification. J. Comput. Sci. 11, 46-57.
"""

from __future__ import annotations

import functools
import itertools
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.linalg

from scaleweave.core.checks import Validity
from scaleweave.core.distributions import LogNormal, Normal, Truncated, Uncertain, Uniform
from scaleweave.core.units import from_si, to_si
from scaleweave.errors import ConfigError, MissingExtraError, ModelError

__all__ = ["ExtrapolationError", "PCESurrogate"]

#: Relative slack (of the box width) allowed on the trained box.
BOX_SLACK = 1e-9


def _trained_range(dist: Any, column: np.ndarray) -> tuple[float, float]:
    """Support of a bounded distribution (SI), else the training points' range."""
    lo, hi = float(column.min()), float(column.max())
    support = dist.support()
    if all(np.isfinite(support)):
        s_lo, s_hi = (float(v) for v in dist.ppf(np.array([0.0, 1.0])))
        return min(lo, s_lo), max(hi, s_hi)
    return lo, hi


class ExtrapolationError(ModelError):
    """A surrogate asked for a point outside the box it was trained on."""


def _chaospy():
    try:
        import chaospy
    except ImportError:  # pragma: no cover - depends on the install
        raise MissingExtraError("polynomial chaos surrogates need chaospy: "
                                "pip install 'scaleweave[uq]'") from None
    return chaospy


# -- one input: its germ (standard variable) and orthonormal polynomials ---------------
@dataclass(frozen=True, eq=False)
class _Germ:
    """How one input maps to a standard variable ``xi`` and its polynomials in ``xi``."""

    dist: Uncertain
    family: str                 # uniform, normal, lognormal, truncnormal, trunclognormal, cdf
    alpha: np.ndarray           # recurrence coefficients of the monic orthogonal
    beta: np.ndarray            # polynomials of xi's distribution (chaospy)

    def to_germ(self, x_si: np.ndarray) -> np.ndarray:
        d, x = self.dist, np.asarray(x_si, dtype=float)
        if self.family == "uniform":
            lo, hi = (float(to_si(v, d.unit, d.unit, where="surrogate")) for v in (d.lo, d.hi))
            return (2.0 * x - lo - hi) / (hi - lo)
        if self.family in ("normal", "truncnormal"):
            base = d.base if isinstance(d, Truncated) else d
            return (np.asarray(from_si(x, d.unit), float) - base.mean) / base.sd
        if self.family in ("lognormal", "trunclognormal"):
            base = d.base if isinstance(d, Truncated) else d
            with np.errstate(divide="ignore", invalid="ignore"):
                return np.log(np.asarray(from_si(x, d.unit), float) / base.median) / base.sigma
        return 2.0 * np.asarray(d.cdf(x), float) - 1.0

    def table(self, xi: np.ndarray, order: int) -> np.ndarray:
        """Orthonormal polynomials 0..order at ``xi``, shape (n, order + 1).

        Three-term recurrence (stable, unlike the monomial form at high degree):
        ``sqrt(b[k+1]) p[k+1] = (xi - a[k]) p[k] - sqrt(b[k]) p[k-1]``, ``p[0] = 1``.
        """
        p = np.empty((xi.size, order + 1))
        p[:, 0] = 1.0 / math.sqrt(self.beta[0])
        prev = np.zeros(xi.size)
        for k in range(order):
            nxt = ((xi - self.alpha[k]) * p[:, k] - math.sqrt(self.beta[k]) * prev)
            prev = p[:, k]
            p[:, k + 1] = nxt / math.sqrt(self.beta[k + 1])
        return p


@functools.lru_cache(maxsize=64)
def _recurrence(germ: tuple, order: int) -> tuple[np.ndarray, np.ndarray]:
    """Recurrence coefficients (alpha, beta) of ``germ`` up to ``order`` (chaospy)."""
    chaospy = _chaospy()
    kind, *args = germ
    dist = {"uniform": chaospy.Uniform, "normal": chaospy.Normal,
            "truncnormal": chaospy.TruncNormal}[kind](*args)
    (coeffs,) = chaospy.construct_recurrence_coefficients(order, dist)
    alpha, beta = (np.asarray(c, dtype=float).ravel() for c in coeffs)
    return alpha, beta


def _germ(name: str, dist: Uncertain, order: int) -> _Germ:
    if isinstance(dist, Uniform):  # an Interval too: sampled uniformly
        family, germ = "uniform", ("uniform", -1.0, 1.0)
    elif isinstance(dist, Normal):
        family, germ = "normal", ("normal", 0.0, 1.0)
    elif isinstance(dist, LogNormal):
        family, germ = "lognormal", ("normal", 0.0, 1.0)
    elif (isinstance(dist, Truncated) and isinstance(dist.base, Normal)
          and dist.base.unit == dist.unit):
        lo = (dist.lo - dist.base.mean) / dist.base.sd
        hi = (dist.hi - dist.base.mean) / dist.base.sd
        family, germ = "truncnormal", ("truncnormal", float(lo), float(hi), 0.0, 1.0)
    elif (isinstance(dist, Truncated) and isinstance(dist.base, LogNormal)
          and dist.base.unit == dist.unit):
        base = dist.base
        lo = math.log(dist.lo / base.median) / base.sigma if dist.lo > 0 else -math.inf
        hi = math.log(dist.hi / base.median) / base.sigma
        family, germ = "trunclognormal", ("truncnormal", float(lo), float(hi), 0.0, 1.0)
    else:
        family, germ = "cdf", ("uniform", -1.0, 1.0)
    alpha, beta = _recurrence(germ, order)
    if not (np.all(np.isfinite(alpha)) and np.all(beta > 0)):
        raise ConfigError(f"surrogate input {name!r}: no orthogonal polynomials of order "
                          f"{order} for {dist.describe()}; lower the order")
    return _Germ(dist, family, alpha, beta)


def _multi_indices(d: int, order: int) -> np.ndarray:
    """All exponent tuples of total degree <= order, by degree (constant first)."""
    rows = [np.zeros(d, dtype=int)]
    for degree in range(1, order + 1):
        for combo in itertools.combinations_with_replacement(range(d), degree):
            rows.append(np.bincount(combo, minlength=d))
    return np.array(rows, dtype=int)


def _lstsq(a: np.ndarray, b: np.ndarray):
    """Least squares by rank-revealing QR (LAPACK gelsy): (x, residues, rank, None)."""
    return scipy.linalg.lstsq(a, b, lapack_driver="gelsy", check_finite=False)


def _fold_ids(n: int, folds: int, seed: int) -> np.ndarray:
    perm = np.random.default_rng(seed).permutation(n)
    ids = np.empty(n, dtype=int)
    ids[perm] = np.arange(n) % folds
    return ids


def _relative_rms(err: np.ndarray, y: np.ndarray) -> float:
    """sqrt(sum err^2 / sum (y - mean y)^2), or relative to sum y^2 for a constant y."""
    sse = float(np.sum(err**2))
    spread = float(np.sum((y - y.mean()) ** 2))
    if spread <= 1e-24 * float(np.sum(y**2)):
        spread = float(np.sum(y**2))
    if spread == 0.0:
        return 0.0 if sse == 0.0 else math.inf
    return math.sqrt(sse / spread)


@dataclass(eq=False)
class PCESurrogate:
    """A polynomial chaos expansion of scalar outputs in uncertain inputs.

    Build with :meth:`fit`. Attributes are SI throughout. A bare interval input
    (:class:`~scaleweave.core.distributions.Interval`) gets the uniform basis: the
    predictions do not depend on that choice, :attr:`mean` and :attr:`variance` do.

    Attributes
    ----------
    names : tuple of str
        Input names, in the column order of ``X``.
    outputs : tuple of str
        Output names.
    order : int
        Total polynomial degree.
    exponents : numpy.ndarray
        (n_terms, n_inputs) exponents of every basis polynomial (row 0 constant).
    coefficients : dict
        Output name -> (n_terms,) coefficients on the orthonormal basis (output SI).
    cv_error : dict
        Output name -> k-fold cross-validated relative RMS error,
        ``sqrt(sum (y - y_cv)^2 / sum (y - mean y)^2)`` (dimensionless).
    box : dict
        Input name -> (low, high) in SI: the support of a bounded input, the range of
        the training points of an unbounded one.
    n_train : int
        Training points.
    name : str
        Name used in messages and validity entries.
    """

    names: tuple[str, ...]
    outputs: tuple[str, ...]
    order: int
    exponents: np.ndarray
    coefficients: dict[str, np.ndarray]
    cv_error: dict[str, float]
    box: dict[str, tuple[float, float]]
    n_train: int
    name: str = "pce"
    _germs: tuple[_Germ, ...] = field(default=(), repr=False)

    # -- building -----------------------------------------------------------------------
    @classmethod
    def fit(cls, inputs: Sequence[tuple[str, Uncertain]], X: np.ndarray,
            Y: Mapping[str, np.ndarray], *, order: int = 3, cv_folds: int = 5,
            seed: int = 0, name: str = "pce") -> PCESurrogate:
        """Fit the expansion to training data by least squares.

        Parameters
        ----------
        inputs : sequence of (str, Uncertain)
            Input names and distributions, in the column order of ``X``. The basis
            is orthonormal under these distributions; mean and variance refer to them.
        X : numpy.ndarray
            (n, n_inputs) training inputs, SI.
        Y : mapping
            Output name -> (n,) training outputs, SI (scalar outputs only).
        order : int
            Total polynomial degree; the basis has ``C(order + d, d)`` terms, and
            every cross-validation training set needs at least that many points
            (twice as many is a sound minimum).
        cv_folds : int
            Folds of the cross-validation (>= 2).
        seed : int
            Seeds the random assignment of points to folds.
        name : str
            Name for messages.

        Raises
        ------
        ConfigError
            Shapes that do not match, non-finite data, too few points for the
            basis, points that do not determine it (rank-deficient design).
        """
        d = len(inputs)
        names = tuple(str(n) for n, _ in inputs)
        if d == 0:
            raise ConfigError(f"surrogate {name!r}: needs at least one input")
        if len(set(names)) != d:
            raise ConfigError(f"surrogate {name!r}: input names repeat: {list(names)}")
        if isinstance(order, bool) or not isinstance(order, int | np.integer) or order < 0:
            raise ConfigError(f"surrogate {name!r}: order must be an integer >= 0, got {order!r}")
        if isinstance(cv_folds, bool) or not isinstance(cv_folds, int | np.integer) \
                or cv_folds < 2:
            raise ConfigError(f"surrogate {name!r}: cv_folds must be an integer >= 2, "
                              f"got {cv_folds!r}")
        X = np.asarray(X, dtype=float)
        if X.ndim != 2 or X.shape[1] != d:
            raise ConfigError(f"surrogate {name!r}: X has shape {X.shape}; expected "
                              f"(n, {d}) for inputs {list(names)}")
        n = X.shape[0]
        if not Y:
            raise ConfigError(f"surrogate {name!r}: no outputs to fit")
        ys = {}
        for key, value in Y.items():
            y = np.asarray(value, dtype=float)
            if y.shape != (n,):
                raise ConfigError(f"surrogate {name!r}: output {key!r} has shape {y.shape}; "
                                  f"expected ({n},) (scalar outputs only)")
            ys[str(key)] = y
        for j, col in enumerate(X.T):
            if not np.all(np.isfinite(col)):
                raise ConfigError(f"surrogate {name!r}: input {names[j]!r} has non-finite "
                                  f"training values")
        for key, y in ys.items():
            if not np.all(np.isfinite(y)):
                raise ConfigError(f"surrogate {name!r}: output {key!r} has non-finite "
                                  f"training values")
        exponents = _multi_indices(d, int(order))
        n_terms = len(exponents)
        need = math.ceil(n_terms * cv_folds / (cv_folds - 1))
        if n < need:
            raise ConfigError(f"surrogate {name!r}: order {order} in {d} inputs has {n_terms} "
                              f"terms; {cv_folds}-fold cross-validation needs at least "
                              f"{need} training points (2x that is better), got {n}")
        germs = tuple(_germ(nm, dist, int(order)) for nm, dist in inputs)
        box = {nm: _trained_range(dist, X[:, j]) for j, (nm, dist) in enumerate(inputs)}
        psi = _design(germs, exponents, X)
        Ymat = np.column_stack(list(ys.values()))
        coef, _, rank, _ = _lstsq(psi, Ymat)
        if rank < n_terms:
            raise ConfigError(f"surrogate {name!r}: the {n} training points determine only "
                              f"{rank} of the {n_terms} polynomial terms; add points or "
                              f"lower the order")
        # k-fold cross-validation: every point predicted by a fit that did not see it.
        folds = _fold_ids(n, int(cv_folds), seed)
        y_cv = np.empty_like(Ymat)
        for k in range(int(cv_folds)):
            held = folds == k
            c_k = _lstsq(psi[~held], Ymat[~held])[0]
            y_cv[held] = psi[held] @ c_k
        cv = {key: _relative_rms(y_cv[:, i] - Ymat[:, i], Ymat[:, i])
              for i, key in enumerate(ys)}
        return cls(names=names, outputs=tuple(ys), order=int(order), exponents=exponents,
                   coefficients={key: coef[:, i].copy() for i, key in enumerate(ys)},
                   cv_error=cv, box=box, n_train=n, name=name, _germs=germs)

    # -- using --------------------------------------------------------------------------
    def check_box(self, X: np.ndarray) -> None:
        """Raise :class:`ExtrapolationError` if any row of ``X`` leaves the trained box."""
        X = np.atleast_2d(np.asarray(X, dtype=float))
        for j, nm in enumerate(self.names):
            lo, hi = self.box[nm]
            slack = BOX_SLACK * (hi - lo if hi > lo else max(abs(lo), abs(hi), 1e-300))
            col = X[:, j]
            outside = ~((col >= lo - slack) & (col <= hi + slack))
            if outside.any():
                bad = np.flatnonzero(outside)
                worst = bad[np.argmax(np.nan_to_num(np.abs(col[bad] - (lo + hi) / 2),
                                                    nan=np.inf))]
                more = f" ({bad.size} of {col.size} points outside)" if bad.size > 1 else ""
                raise ExtrapolationError(
                    f"surrogate {self.name!r} refuses to extrapolate: input {nm!r} = "
                    f"{col[worst]:.6g} is outside the trained box [{lo:.6g}, {hi:.6g}] (SI)"
                    f"{more}; retrain on a wider range or use the original model")

    def predict(self, X: np.ndarray) -> dict[str, np.ndarray]:
        """Evaluate the expansion at ``X``.

        Parameters
        ----------
        X : numpy.ndarray
            (n, n_inputs) SI values in the column order of :attr:`names`, or one
            point of shape (n_inputs,).

        Returns
        -------
        dict
            Output name -> (n,) SI values (NumPy scalars for a single point).

        Raises
        ------
        ExtrapolationError
            A point outside the trained box (relative slack ``BOX_SLACK``).
        ConfigError
            ``X`` has the wrong number of columns.
        """
        X = np.asarray(X, dtype=float)
        single = X.ndim == 1
        X2 = np.atleast_2d(X)
        if X2.ndim != 2 or X2.shape[1] != len(self.names):
            raise ConfigError(f"surrogate {self.name!r}: X has shape {X.shape}; expected "
                              f"(n, {len(self.names)}) for inputs {list(self.names)}")
        self.check_box(X2)
        psi = _design(self._germs, self.exponents, X2)
        out = {key: psi @ c for key, c in self.coefficients.items()}
        return {key: v[0] if single else v for key, v in out.items()}

    @property
    def mean(self) -> dict[str, float]:
        """Output name -> mean under the input distributions (SI): the constant term."""
        return {key: float(c[0]) for key, c in self.coefficients.items()}

    @property
    def variance(self) -> dict[str, float]:
        """Output name -> variance under the input distributions (SI squared)."""
        return {key: float(np.sum(c[1:] ** 2)) for key, c in self.coefficients.items()}

    def validity(self, tolerance: float = 0.01) -> list[Validity]:
        """One entry per output: cross-validated relative RMS error <= ``tolerance``.

        The entry's name gives the order and the training points, and the remedy for
        an error above the tolerance (raise the order or the training points).
        """
        return [Validity(f"surrogate {self.name}",
                         f"{key}: cross-validated relative RMS error (order {self.order}, "
                         f"{self.n_train} points; above the tolerance: raise the order or "
                         f"n_train)", self.cv_error[key], float(tolerance))
                for key in self.outputs]


def _design(germs: Sequence[_Germ], exponents: np.ndarray, X: np.ndarray) -> np.ndarray:
    """(n, n_terms) values of every product polynomial at the rows of ``X``."""
    order = int(exponents.max(initial=0))
    psi = np.ones((X.shape[0], len(exponents)))
    for j, germ in enumerate(germs):
        table = germ.table(germ.to_germ(X[:, j]), order)
        psi *= table[:, exponents[:, j]]
    return psi
