"""Polynomial-chaos surrogates: accuracy, error control, refusal to extrapolate.

References
----------
Ishigami, T. & Homma, T. (1990). An importance quantification technique in
uncertainty analysis for computer models. Proc. ISUMA '90, 398-403: for
x_i ~ U(-pi, pi), mean a/2 = 3.5 and variance
a^2/8 + b pi^4/5 + b^2 pi^8/18 + 1/2 = 13.84459 (a = 7, b = 0.1).
Sudret, B. (2008). Global sensitivity analysis using polynomial chaos expansions.
Reliab. Eng. Syst. Saf. 93, 964-979 (PCE of the Ishigami function; degree ~10
needed for the sin terms).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import dataclass

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.special import roots_hermitenorm, roots_legendre
from scipy.stats import qmc

from scaleweave.core.distributions import LogNormal, Normal, Truncated, Uncertain, Uniform
from scaleweave.core.model import Port, model_from_function
from scaleweave.core.study import Study
from scaleweave.core.units import ureg
from scaleweave.errors import ConfigError, ModelError, ValidityError, ValidityWarning
from scaleweave.uq.surrogate import (
    ExtrapolationError,
    PCESurrogate,
    SurrogateModel,
    train_surrogate,
)

A, B = 7.0, 0.1
ISHIGAMI_MEAN = A / 2
ISHIGAMI_VAR = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
PARAMS = [(f"x{i}", Uniform(-math.pi, math.pi, kind="aleatory")) for i in (1, 2, 3)]
EV, KB = 1.602176634e-19, 1.380649e-23


def ishigami(X: np.ndarray) -> np.ndarray:
    return np.sin(X[:, 0]) + A * np.sin(X[:, 1]) ** 2 + B * X[:, 2] ** 4 * np.sin(X[:, 0])


def sobol_points(params, n: int, seed: int) -> np.ndarray:
    u = qmc.Sobol(len(params), seed=seed).random(n)
    return np.column_stack([d.ppf(u[:, j]) for j, (_, d) in enumerate(params)])


@pytest.fixture(scope="module")
def ishigami_training():
    X = sobol_points(PARAMS, 1024, seed=11)
    return X, {"y": ishigami(X)}


def test_ishigami_mean_and_variance(ishigami_training):
    # Order 10 in 3 inputs: 286 terms, 1024 points (3.6 per term).
    X, Y = ishigami_training
    sur = PCESurrogate.fit(PARAMS, X, Y, order=10)
    assert ISHIGAMI_VAR == pytest.approx(13.84459, rel=1e-6)
    assert sur.mean["y"] == pytest.approx(ISHIGAMI_MEAN, rel=0.01)
    assert sur.variance["y"] == pytest.approx(ISHIGAMI_VAR, rel=0.01)
    assert sur.cv_error["y"] < 0.01
    assert all(v.ok for v in sur.validity(0.01))
    Xt = sobol_points(PARAMS, 512, seed=12)
    err = sur.predict(Xt)["y"] - ishigami(Xt)
    assert np.sqrt(np.mean(err**2)) / math.sqrt(ISHIGAMI_VAR) < 0.01


def test_too_low_order_is_flagged(ishigami_training):
    X, Y = ishigami_training
    low = PCESurrogate.fit(PARAMS, X, Y, order=3)
    good = PCESurrogate.fit(PARAMS, X, Y, order=10)
    assert low.cv_error["y"] > 10 * good.cv_error["y"]
    (v,) = low.validity(0.01)
    assert not v.ok and v.value == low.cv_error["y"] and v.limit == 0.01
    assert "cross-validated relative RMS error" in v.diagnostic
    assert v.as_dict()["ok"] is False


def _poly(X):
    x1, x2, x3 = X.T
    return 1.0 + 2.0 * x1 - 3.0 * x1 * x2 + x2**3 + 0.5e3 * x1**2 * x3


POLY_PARAMS = [("x1", Normal(2.0, 0.5)), ("x2", Uniform(-1.0, 3.0)),
               ("x3", Normal(4.0, 1.0, unit="mm"))]     # SI: metres, mean 4e-3


def test_polynomial_of_degree_order_is_reproduced():
    X = sobol_points(POLY_PARAMS, 128, seed=2)
    sur = PCESurrogate.fit(POLY_PARAMS, X, {"y": _poly(X)}, order=3)
    assert sur.cv_error["y"] < 1e-10
    Xt = sobol_points(POLY_PARAMS, 64, seed=3)
    Xt = np.clip(Xt, [sur.box[n][0] for n in sur.names], [sur.box[n][1] for n in sur.names])
    np.testing.assert_allclose(sur.predict(Xt)["y"], _poly(Xt), rtol=1e-10, atol=1e-10)
    # Mean and variance against tensor Gauss quadrature (exact for polynomials).
    zh, wh = roots_hermitenorm(8)
    zl, wl = roots_legendre(8)
    g1, g2, g3 = np.meshgrid(2.0 + 0.5 * zh, 1.0 + 2.0 * zl, 4e-3 + 1e-3 * zh, indexing="ij")
    w = np.einsum("i,j,k->ijk", wh / wh.sum(), wl / wl.sum(), wh / wh.sum()).ravel()
    y = _poly(np.column_stack([g1.ravel(), g2.ravel(), g3.ravel()]))
    mean = float(w @ y)
    assert mean == pytest.approx(1 + 4 - 6 + 5 + 0.5e3 * (4 + 0.25) * 4e-3, rel=1e-12)
    assert sur.mean["y"] == pytest.approx(mean, rel=1e-10)
    assert sur.variance["y"] == pytest.approx(float(w @ (y - mean) ** 2), rel=1e-9)


@settings(max_examples=20, deadline=None)
@given(st.lists(st.floats(-10, 10), min_size=3, max_size=3),
       st.floats(-5, 5), st.integers(0, 2**16))
def test_affine_functions_reproduced_at_order_one(coef, const, seed):
    X = sobol_points(POLY_PARAMS, 16, seed=seed)
    scale = np.array([1.0, 1.0, 1e3])    # x3 in metres
    sur = PCESurrogate.fit(POLY_PARAMS, X, {"y": const + X @ (np.array(coef) * scale)},
                           order=1, cv_folds=4)
    y = const + X @ (np.array(coef) * scale)
    np.testing.assert_allclose(sur.predict(X)["y"], y, atol=1e-9 * (1 + np.abs(y).max()))
    assert sur.mean["y"] == pytest.approx(const + float(np.dot(coef, [2.0, 1.0, 4.0])),
                                          abs=1e-9 * (1 + abs(const) + 10 * sum(map(abs, coef))))


@dataclass(frozen=True)
class Ramp(Uncertain):
    """Density (1 + x) / 1.5 on [0, 1]: a distribution the surrogate has no family for."""

    def _ppf_unit(self, u):
        return -1.0 + np.sqrt(1.0 + 3.0 * np.asarray(u, float))

    def _cdf_unit(self, x):
        x = np.clip(np.asarray(x, float), 0.0, 1.0)
        return (x + x**2 / 2) / 1.5

    def support(self):
        return (0.0, 1.0)

    def describe(self):
        return "ramp(0, 1)"


def test_other_distributions_get_a_working_basis():
    # Log-normal (Hermite in log x), truncated normal (its own polynomials), truncated
    # log-normal (truncated-normal polynomials in log x) and a distribution without a
    # family (Legendre in its probability): a smooth function, small error.
    params = [("k", LogNormal(20.0, 0.3, unit="um")),
              ("c", Truncated(Normal(1.0, 0.5), 0.1, 3.0)),
              ("t", Truncated(LogNormal(1.0, 0.5), 0.5, 3.0)),
              ("r", Ramp())]
    f = lambda X: (np.log(X[:, 0] * 1e6) + np.exp(0.3 * X[:, 1]) * X[:, 2]  # noqa: E731
                   + np.sin(X[:, 3]) / X[:, 2])
    X = sobol_points(params, 512, seed=4)
    sur = PCESurrogate.fit(params, X, {"y": f(X)}, order=5)
    assert sur.cv_error["y"] < 1e-3
    ref = f(sobol_points(params, 2**15, seed=5))
    assert sur.mean["y"] == pytest.approx(ref.mean(), rel=1e-3)
    assert sur.variance["y"] == pytest.approx(ref.var(), rel=1e-2)


def test_extrapolation_is_refused(ishigami_training):
    X, Y = ishigami_training
    sur = PCESurrogate.fit(PARAMS, X, Y, order=4)
    lo, hi = sur.box["x2"]
    assert -math.pi <= lo < -math.pi + 0.01 and math.pi - 0.01 < hi <= math.pi
    inside = np.array([[0.0, hi * (1 + 1e-12), 0.0]])    # within the 1e-9 slack
    sur.predict(inside)
    with pytest.raises(ExtrapolationError) as info:
        sur.predict(np.array([[0.0, 0.5, 0.0], [0.1, 4.0, 0.0]]))
    msg = str(info.value)
    assert isinstance(info.value, ModelError)
    assert "'x2' = 4 is outside the trained box [" in msg
    assert f"{lo:.6g}" in msg and f"{hi:.6g}" in msg and "\n" not in msg
    with pytest.raises(ExtrapolationError, match="'x1' = nan"):
        sur.predict(np.array([np.nan, 0.0, 0.0]))
    assert np.ndim(sur.predict(np.array([0.1, 0.2, 0.3]))["y"]) == 0


def _hop():
    return model_from_function(
        lambda barrier, temperature: {"rate": 1e13 * np.exp(-barrier / (KB * temperature))},
        inputs={"barrier": "eV", "temperature": "K"}, outputs={"rate": "1/s"}, name="hop",
        vectorized=True)


@pytest.fixture(scope="module")
def hop_surrogate() -> SurrogateModel:
    inputs = {"barrier": Normal(0.3, 0.01, unit="eV"),
              "temperature": Uniform(280.0, 320.0, unit="K")}
    return train_surrogate(_hop(), inputs, n_train=256, order=7, tolerance=1e-3)


def test_surrogate_model_evaluates_like_the_original(hop_surrogate):
    hop = _hop()
    assert isinstance(hop_surrogate, SurrogateModel)
    assert hop_surrogate.inputs == hop.inputs and hop_surrogate.outputs == hop.outputs
    assert hop_surrogate.name == "hop"
    assert all(v.ok for v in hop_surrogate.validity())
    q = ureg.Quantity
    given = {"barrier": q(305.0, "meV"), "temperature": q(26.85, "degC")}
    ours = hop_surrogate.evaluate(given)["rate"]
    ref = hop.evaluate(given)["rate"]
    assert isinstance(ours, float)
    assert ours == pytest.approx(ref, rel=1e-3)
    batch = {"barrier": q(np.array([0.29, 0.30, 0.31]), "eV"),
             "temperature": q(np.array([285.0, 300.0, 315.0]), "K")}
    np.testing.assert_allclose(hop_surrogate.evaluate(batch, batch=3)["rate"],
                               hop.evaluate(batch, batch=3)["rate"], rtol=1e-3)
    with pytest.raises(ExtrapolationError, match="'temperature' = 400 is outside"):
        hop_surrogate.evaluate({"barrier": q(0.3, "eV"), "temperature": q(400.0, "K")})


def test_surrogate_takes_the_models_place_in_a_study(hop_surrogate):
    dft = model_from_function(lambda: {"barrier": 0.3 * EV}, inputs={},
                              outputs={"barrier": "eV"}, name="dft")
    original = Study([dft, _hop()]).connect_by_name().set_input("hop.temperature", "300 K")
    replaced = Study([dft, hop_surrogate]).connect_by_name().set_input("hop.temperature",
                                                                       "300 K")
    assert replaced.validate() == []
    ref = original.run()["hop.rate"].to("1/s").magnitude
    assert replaced.run()["hop.rate"].to("1/s").magnitude == pytest.approx(ref, rel=1e-3)


def test_inputs_held_at_their_default():
    m = model_from_function(lambda x, k: {"y": k * np.sin(x)},
                            inputs={"x": "rad", "k": Port("k", "", default=2.0)},
                            outputs={"y": ""}, name="sine", vectorized=True)
    sur = train_surrogate(m, {"x": Uniform(0.0, 1.0, unit="rad")}, n_train=64, order=6)
    assert sur.fixed == {"k": 2.0}
    assert sur.evaluate({"x": 0.5})["y"] == pytest.approx(2 * math.sin(0.5), rel=1e-6)
    assert sur.evaluate({"x": 0.5, "k": 2.0})["y"] == pytest.approx(2 * math.sin(0.5), rel=1e-6)
    with pytest.raises(ExtrapolationError, match="'k' = 3 but it was held at 2"):
        sur.evaluate({"x": 0.5, "k": 3.0})


def test_low_order_training_is_flagged_and_the_policy_decides():
    m = model_from_function(lambda x: {"y": np.exp(3 * x)}, inputs={"x": ""},
                            outputs={"y": ""}, name="expo", vectorized=True)
    with warnings.catch_warnings():  # recorded by default, never warned
        warnings.simplefilter("error", ValidityWarning)
        sur = train_surrogate(m, {"x": Uniform(0.0, 1.0)}, n_train=32, order=1)
    (v,) = sur.validity()
    assert not v.ok and v.bridge == "surrogate expo" and v.limit == 0.01
    assert v.value == sur.surrogate.cv_error["y"]
    assert v.diagnostic == ("y: cross-validated relative RMS error (order 1, 32 points; above "
                            "the tolerance: raise the order or n_train)")
    with pytest.warns(ValidityWarning, match=r"model 'surrogate expo': y: cross-validated .*"
                      r"raise the order or n_train\) = .* is above its limit 0\.01"):
        warned = train_surrogate(m, {"x": Uniform(0.0, 1.0)}, n_train=32, order=1,
                                 validity="warn")
    assert warned.surrogate.cv_error == sur.surrogate.cv_error
    with pytest.raises(ValidityError, match="surrogate expo"):
        train_surrogate(m, {"x": Uniform(0.0, 1.0)}, n_train=32, order=1, validity="raise")
    with pytest.raises(ConfigError, match="validity policy"):
        train_surrogate(m, {"x": Uniform(0.0, 1.0)}, n_train=32, validity="ignore")


def test_bad_training_requests_are_refused():
    hop = _hop()
    good = {"barrier": Normal(0.3, 0.01, unit="eV"), "temperature": Uniform(280, 320, unit="K")}
    with pytest.raises(ConfigError, match="no input 'pressure'"):
        train_surrogate(hop, {**good, "pressure": Uniform(1, 2)}, n_train=64)
    with pytest.raises(ConfigError, match=r"'temperature' .* no distribution and no default"):
        train_surrogate(hop, {"barrier": good["barrier"]}, n_train=64)
    with pytest.raises(ConfigError, match="needs at least 57 training points"):
        train_surrogate(hop, good, n_train=32, order=8)
    with pytest.raises(ConfigError, match=r"dimension|unit"):
        train_surrogate(hop, {**good, "temperature": Uniform(1, 2, unit="m")}, n_train=64)
    vec = model_from_function(lambda x: {"y": np.ones(3) * x}, inputs={"x": ""},
                              outputs={"y": Port("y", "", shape=(3,))}, name="vec")
    with pytest.raises(ConfigError, match="scalar outputs only"):
        train_surrogate(vec, {"x": Uniform(0, 1)}, n_train=64)
    X = sobol_points(PARAMS, 64, seed=0)
    with pytest.raises(ConfigError, match=r"shape \(64, 2\)"):
        PCESurrogate.fit(PARAMS, X, {"y": np.zeros((64, 2))})
    with pytest.raises(ConfigError, match=r"expected \(n, 3\)"):
        PCESurrogate.fit(PARAMS, X[:, :2], {"y": ishigami(X)})
    repeated = np.tile(X[:32], (4, 1))    # 128 rows, 32 distinct points, 56 terms
    with pytest.raises(ConfigError, match="determine only 32 of the 56 polynomial terms"):
        PCESurrogate.fit(PARAMS, repeated, {"y": ishigami(repeated)}, order=5)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        PCESurrogate.fit(PARAMS, X, {"y": np.full(64, 2.5)}, order=2)    # constant: fine
