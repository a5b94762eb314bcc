"""Propagation through a study graph: references for distributions, p-boxes, intervals."""

import math

import numpy as np
import pytest
from scipy import stats

from scaleweave import Study, model_from_function
from scaleweave.core.distributions import parse_distribution as dist
from scaleweave.errors import ConfigError
from scaleweave.uq.propagate import propagate

A, B = 7.0, 0.1


def ishigami_study():
    """Ishigami split over three 'scales': sin x1 and x3 at one, x2 at another."""
    atom = model_from_function(lambda x1, x3: {"u": np.sin(x1) * (1 + B * x3**4)},
                               inputs={"x1": "rad", "x3": ""}, outputs={"u": ""},
                               name="atom", vectorized=True)
    meso = model_from_function(lambda x2: {"v": A * np.sin(x2) ** 2}, inputs={"x2": "rad"},
                               outputs={"v": ""}, name="meso", vectorized=True)
    macro = model_from_function(lambda u, v: {"y": u + v}, inputs={"u": "", "v": ""},
                                outputs={"y": ""}, name="macro", vectorized=True)
    st = Study([atom, meso, macro]).connect_by_name()
    st.bind("x1", "atom.x1", value=0).bind("x2", "meso.x2", value=0)
    return st.bind("x3", "atom.x3", value=0)


UNIFORM = {k: dist("uniform(-pi, pi) aleatory") for k in ("x1", "x2", "x3")}


def test_ishigami_mean_variance_and_intermediates():
    # Ishigami & Homma (1990): mean a/2 = 3.5, variance 13.84459 for a=7, b=0.1.
    res = propagate(ishigami_study(), UNIFORM, n=2**14, seed=3)
    s = res.stats["macro.y"]
    assert s["mean"] == pytest.approx(3.5, abs=3 * s["mc_error"] + 1e-4)
    assert res.dataset["macro.y"].var().item() == pytest.approx(13.84459, rel=0.01)
    # Intermediate quantities are kept: E[v] = a/2, E[u] = 0.
    assert res.dataset["meso.v"].mean().item() == pytest.approx(3.5, abs=0.01)
    assert res.dataset["atom.u"].mean().item() == pytest.approx(0.0, abs=0.01)
    assert res.dataset["param.x1"].attrs["kind"] == "aleatory"
    assert res.dataset.sizes["sample"] == 2**14


def test_double_loop_pbox_normal_tail():
    # X ~ N(mu, 1), mu in [0, 1] epistemic: P(X > 2) in [1 - Phi(2), 1 - Phi(1)]
    # = [0.02275, 0.15866] (exact normal tails).
    m = model_from_function(lambda mu, z: {"x": mu + z}, inputs={"mu": "", "z": ""},
                            outputs={"x": ""}, name="m", vectorized=True)
    st = Study([m]).bind("mu", "m.mu", value=0).bind("z", "m.z", value=0)
    res = propagate(st, {"mu": dist("interval(0, 1)"), "z": dist("normal(0, 1) aleatory")},
                    n_outer=16, n_inner=2**14, seed=0)
    assert res.mode == "pbox"
    lo, hi = res.probability_bounds("m.x", 2.0)
    assert lo == pytest.approx(stats.norm.sf(2.0), abs=2e-4)
    assert hi == pytest.approx(stats.norm.sf(1.0), abs=2e-4)
    x, lower, upper = res.pbox("m.x")
    assert np.all(lower <= upper + 1e-15)
    i = np.argmin(abs(x - 1.0))  # at x=1 the CDF spans [Phi(0), Phi(1)]
    assert lower[i] == pytest.approx(stats.norm.cdf(x[i] - 1), abs=5e-3)
    assert upper[i] == pytest.approx(stats.norm.cdf(x[i]), abs=5e-3)


def test_oberkampf_challenge_interval():
    # Oberkampf et al. (2004): y = (a + b)^a, a in [0.1, 1], b in [0, 1]: y in [0.69220, 2].
    # The minimum is interior: a = 1/e, b = 0, y = e^(-1/e) = 0.692201.
    m = model_from_function(lambda a, b: {"y": (a + b) ** a}, inputs={"a": "", "b": ""},
                            outputs={"y": ""}, name="ob", vectorized=True)
    st = Study([m]).bind("a", "ob.a", value=0.5).bind("b", "ob.b", value=0.5)
    res = propagate(st, {"a": dist("interval(0.1, 1)"), "b": dist("interval(0, 1)")}, n=64)
    assert res.mode == "interval"
    assert res.stats["ob.y"]["lo"] == pytest.approx(math.exp(-1 / math.e), abs=1e-5)
    assert res.stats["ob.y"]["hi"] == pytest.approx(2.0, abs=1e-9)


@pytest.mark.parametrize("method", ["mc", "qmc"])
def test_mean_interval_coverage(method):
    # Over 200 seeded repetitions the reported 95% interval of the Ishigami mean must
    # cover the true mean 3.5 in 95% +- 3% of them (binomial sd at 200 runs: 1.5%).
    study = ishigami_study()
    hits = 0
    for rep in range(200):
        s = propagate(study, UNIFORM, n=256, method=method, seed=rep).stats["macro.y"]
        hits += s["mean_lo"] <= 3.5 <= s["mean_hi"]
    assert hits / 200 == pytest.approx(0.95, abs=0.03)


def test_uncertain_parameter_no_model_uses():
    with pytest.raises(ConfigError, match="uncertain parameter 'x4' is used by no model"):
        propagate(ishigami_study(), {**UNIFORM, "x4": dist("uniform(0, 1) aleatory")})


def test_non_vectorized_models_run_row_by_row():
    m = model_from_function(lambda x: {"y": float(x) ** 2}, inputs={"x": ""},
                            outputs={"y": ""}, name="sq")
    st = Study([m]).bind("x", "sq.x", value=0)
    res = propagate(st, {"x": dist("uniform(0, 1) aleatory")}, n=64, replicates=4)
    assert res.stats["sq.y"]["mean"] == pytest.approx(1 / 3, abs=0.01)


@pytest.mark.parametrize("sizes,match", [
    # Regression: "got 500; use 512", the size of one scrambling, not the user's.
    ({"n": 4000}, r"n = 4000: scrambled Sobol' points come in powers of two, in 8 "
                  r"independent scramblings; use 4096"),
    ({"n": 4}, r"n = 4: .* use 8"),
    ({"n": 1, "method": "mc"}, r"n = 1: an error bar needs at least 2 samples"),
])
def test_sizes_are_checked_in_the_callers_numbers(sizes, match):
    from scaleweave.uq.sizes import check_sizes

    with pytest.raises(ConfigError, match=match):
        check_sizes(UNIFORM, **sizes)
    with pytest.raises(ConfigError, match=match.replace("n = ", "--samples = ")):
        check_sizes(UNIFORM, **sizes, labels={"n": "--samples"})
    with pytest.raises(ConfigError, match=match):  # propagate checks before it samples
        propagate(ishigami_study(), UNIFORM, **sizes)


def test_sizes_of_double_loops_and_intervals():
    from scaleweave.uq.sizes import check_sizes

    pbox = {"mu": dist("interval(0, 1)"), "z": dist("normal(0, 1) aleatory")}
    assert check_sizes(pbox, n_outer=32, n_inner=1024) == (32 + 2) * 1024
    with pytest.raises(ConfigError, match=r"n_inner = 1000: .* use 1024"):
        check_sizes(pbox, n_outer=32, n_inner=1000)
    with pytest.raises(ConfigError, match=r"n_outer = 30: .* use 32"):
        check_sizes(pbox, n_outer=30)
    assert check_sizes(pbox, n_outer=32, n_inner=1000, method="mc") == 34 * 1000
    box = {"a": dist("interval(0, 1)"), "b": dist("interval(0, 1)")}
    assert check_sizes(box, n=256) == 256 + 4
