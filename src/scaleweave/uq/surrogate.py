"""Surrogates of expensive models: train a PCE on a model and use it in its place.

:func:`train_surrogate` samples a :class:`~scaleweave.core.model.Model` on scrambled
Sobol' points of its uncertain inputs, fits a polynomial chaos expansion
(:class:`~scaleweave.uq.pce.PCESurrogate`, with its cross-validated error and its
refusal to extrapolate) and returns a :class:`SurrogateModel`, a model with the same
ports that can replace the original in a study.

Scope: scalar outputs only (a vector output can be split into scalar ports first).
:class:`~scaleweave.uq.pce.PCESurrogate` and
:class:`~scaleweave.uq.pce.ExtrapolationError` are importable from here too.
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping
from typing import Any

import numpy as np
from scipy.stats import qmc

from scaleweave.core.checks import Validity, apply_validity_policy, check_policy
from scaleweave.core.distributions import Uncertain
from scaleweave.core.model import Model, Port
from scaleweave.core.units import check_same_dimension, to_si
from scaleweave.errors import ConfigError
from scaleweave.uq.pce import BOX_SLACK
from scaleweave.uq.pce import ExtrapolationError as ExtrapolationError
from scaleweave.uq.pce import PCESurrogate as PCESurrogate

# ExtrapolationError and PCESurrogate are listed in scaleweave.uq.pce's __all__ only: a
# name in two __all__ would be exported twice by the top-level package (an error).
__all__ = ["SurrogateModel", "train_surrogate"]

#: Probabilities of the training points are kept inside [edge, 1 - edge].
_U_EDGE = 2.0**-40


# -- a surrogate in place of a model ---------------------------------------------------
class SurrogateModel(Model):
    """A :class:`Model` with the ports of ``model`` whose kernel is a PCE.

    Inputs that were not varied in training (held at their port default) keep their
    port; any other value for them is refused like an extrapolation.

    Attributes
    ----------
    surrogate : PCESurrogate
        The expansion (its inputs are the varied ports).
    model : Model
        The model it stands in for.
    tolerance : float
        Limit on the cross-validated error used by :meth:`validity`.
    fixed : dict
        Port name -> SI value of the inputs held fixed in training.
    """

    vectorized = True
    identity = "uq.pce_surrogate"

    def __init__(self, *, model: Model, surrogate: PCESurrogate, fixed: Mapping[str, float],
                 tolerance: float = 0.01) -> None:
        self.inputs = tuple(model.inputs)  # type: ignore[misc]
        self.outputs = tuple(model.outputs)  # type: ignore[misc]
        self.name = model.name
        self.length_scale = model.length_scale
        self.time_scale = model.time_scale
        self.surrogate = surrogate
        self.model = model
        self.tolerance = tolerance
        self.fixed = fixed

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        for key, value in self.fixed.items():
            v = np.asarray(inputs[key], dtype=float)
            slack = BOX_SLACK * max(abs(value), 1e-300)
            if np.any(~(np.abs(v - value) <= slack)):
                worst = v.flat[int(np.argmax(np.abs(v - value)))]
                raise ExtrapolationError(
                    f"surrogate {self.name!r} refuses to extrapolate: input {key!r} = "
                    f"{worst:.6g} but it was held at {value:.6g} (SI) in training; retrain "
                    f"with {key!r} among the uncertain inputs")
        cols = np.broadcast_arrays(*(np.asarray(inputs[k], dtype=float)
                                     for k in self.surrogate.names))
        shape = cols[0].shape
        X = np.column_stack([c.reshape(-1) for c in cols])
        out = self.surrogate.predict(X)
        return {key: (v.reshape(shape) if shape else float(v[0])) for key, v in out.items()}

    def validity(self) -> list[Validity]:
        """Cross-validated error of every output against :attr:`tolerance`."""
        return self.surrogate.validity(self.tolerance)


def train_surrogate(model: Model, inputs: Mapping[str, Uncertain], *, n_train: int,
                    order: int = 3, seed: int = 0, cv_folds: int = 5,
                    tolerance: float = 0.01, validity: str = "record") -> SurrogateModel:
    """Sample ``model`` on scrambled Sobol' points and fit a PCE surrogate of it.

    Parameters
    ----------
    model : Model
        The model to replace; its outputs must be scalars.
    inputs : mapping
        Input port name -> distribution (units as in :mod:`scaleweave.core.distributions`).
        Ports not listed must have a default; they are held at it.
    n_train : int
        Training points (model evaluations). A power of two keeps the Sobol'
        points balanced; other sizes work.
    order : int
        Total polynomial degree.
    seed : int
        Seeds the scrambling and the cross-validation folds.
    cv_folds : int
        Folds of the cross-validation.
    tolerance : float
        Limit on the cross-validated relative RMS error of every output, recorded in
        the surrogate's :meth:`SurrogateModel.validity`.
    validity : {"record", "warn", "raise"}
        What an output above ``tolerance`` does besides being recorded: nothing; a
        :class:`~scaleweave.errors.ValidityWarning`; or a
        :class:`~scaleweave.errors.ValidityError`
        (:func:`~scaleweave.core.checks.apply_validity_policy`).

    Returns
    -------
    SurrogateModel
        Same ports and name as ``model``; refuses points outside the trained box.

    Raises
    ------
    ConfigError
        Unknown or missing inputs, non-scalar outputs, too few points for the order.
    ModelError
        The model failed on a training point.

    Examples
    --------
    >>> from scaleweave.core.model import model_from_function
    >>> from scaleweave.core.distributions import Uniform
    >>> sq = model_from_function(lambda x: {"y": x**2}, inputs={"x": "m"},
    ...                          outputs={"y": "m^2"}, name="square", vectorized=True)
    >>> sur = train_surrogate(sq, {"x": Uniform(1, 2, unit="m")}, n_train=16, order=2)
    >>> round(float(sur.evaluate({"x": 1.5})["y"]), 12)
    2.25
    >>> sur.validity()[0].ok
    True
    """
    check_policy(validity)
    known = {p.name: p for p in model.inputs}
    unknown = sorted(set(inputs) - set(known))
    if unknown:
        raise ConfigError(f"train_surrogate: model {model.name!r} has no input "
                          f"{unknown[0]!r}; inputs are {sorted(known)}")
    fixed: dict[str, float] = {}
    for p in model.inputs:
        if p.name in inputs:
            continue
        if p.default is None:
            raise ConfigError(f"train_surrogate: model {model.name!r} input {p.name!r} "
                              f"[{p.unit or 'dimensionless'}] has no distribution and no "
                              f"default; give it a distribution")
        fixed[p.name] = float(to_si(p.default, p.unit, p.unit, where=f"input {p.name!r}"))
    for p in model.outputs:
        if p.shape not in ((), None):
            raise ConfigError(f"train_surrogate: model {model.name!r} output {p.name!r} has "
                              f"shape {p.shape}; surrogates handle scalar outputs only")
    if not inputs:
        raise ConfigError(f"train_surrogate: model {model.name!r}: no uncertain inputs given")
    if isinstance(n_train, bool) or not isinstance(n_train, int | np.integer) or n_train < 2:
        raise ConfigError(f"train_surrogate: n_train must be an integer >= 2, got {n_train!r}")
    params = list(inputs.items())
    for nm, dist in params:
        if not isinstance(dist, Uncertain):
            raise ConfigError(f"train_surrogate: input {nm!r} needs a distribution (an "
                              f"Uncertain), got {type(dist).__name__}")
        _check_dimension(model, known[nm], dist)
    sampler = qmc.Sobol(d=len(params), scramble=True, seed=np.random.default_rng(seed))
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", message=".*balance properties.*")
        u = np.clip(sampler.random(int(n_train)), _U_EDGE, 1.0 - _U_EDGE)
    X = np.column_stack([dist.ppf(u[:, j]) for j, (_, dist) in enumerate(params)])
    feed = {nm: X[:, j] for j, (nm, _) in enumerate(params)}
    feed.update({k: np.full(int(n_train), v) for k, v in fixed.items()})
    Y = model.evaluate(feed, batch=int(n_train))
    for key, y in Y.items():
        if np.shape(y) != (n_train,):
            raise ConfigError(f"train_surrogate: model {model.name!r} output {key!r} has "
                              f"shape {np.shape(y)[1:]} per point; surrogates handle scalar "
                              f"outputs only")
    sur = PCESurrogate.fit(params, X, Y, order=order, cv_folds=cv_folds, seed=seed,
                           name=model.name)
    out = SurrogateModel(model=model, surrogate=sur, fixed=fixed, tolerance=tolerance)
    apply_validity_policy(out.validity(), validity)
    return out


def _check_dimension(model: Model, port: Port, dist: Uncertain) -> None:
    check_same_dimension(dist.unit, port.unit,
                         where=f"train_surrogate: model {model.name!r} input {port.name!r}")

