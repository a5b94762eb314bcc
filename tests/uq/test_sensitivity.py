"""Sobol' indices per parameter and per group (scale) against analytic values.

References
----------
Ishigami, T. & Homma, T. (1990). An importance quantification technique in
uncertainty analysis for computer models. Proc. ISUMA '90, 398-403.
Sobol', I. M. (2001). Global sensitivity indices for nonlinear mathematical models
and their Monte Carlo estimates. Math. Comput. Simul. 55, 271-280.
Saltelli, A. et al. (2010). Variance based sensitivity analysis of model output.
Comput. Phys. Commun. 181, 259-270 (estimators; Ishigami indices in its test set).
The partial variances of the Ishigami function used below are those tabulated by
Sobol' (2001) and in Saltelli et al., "Global Sensitivity Analysis. The Primer"
(Wiley 2008), section 4.6.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from matplotlib.figure import Figure

from scaleweave.core.distributions import Interval, Normal, Uniform
from scaleweave.errors import ConfigError, NonFiniteError
from scaleweave.uq.sensitivity import SobolResult, sobol_analysis

A, B = 7.0, 0.1

# Analytic partial variances of the Ishigami function with x_i ~ U(-pi, pi).
V = A**2 / 8 + B * math.pi**4 / 5 + B**2 * math.pi**8 / 18 + 0.5
V1 = 0.5 * (1 + B * math.pi**4 / 5) ** 2
V2 = A**2 / 8
V3 = 0.0
V13 = B**2 * math.pi**8 * (1 / 18 - 1 / 50)
S1_EXACT = np.array([V1, V2, V3]) / V                 # (0.3139, 0.4424, 0)
ST_EXACT = np.array([V1 + V13, V2, V3 + V13]) / V     # (0.5576, 0.4424, 0.2437)
# Groups {x1: A, x2: B, x3: A}: closed first-order index of A is (V1 + V3 + V13) / V
# (x1 and x3 together, their interaction included); B holds x2 alone, which does not
# interact, so S1_B = ST_B = V2 / V and ST_A = 1 - S1_B = S1_A.
GROUPS = {"x1": "A", "x2": "B", "x3": "A"}
S1_GROUP_EXACT = np.array([V1 + V3 + V13, V2]) / V    # (0.5576, 0.4424)
ST_GROUP_EXACT = np.array([V - V2, V2]) / V           # (0.5576, 0.4424)


def ishigami(X: np.ndarray) -> dict[str, np.ndarray]:
    x1, x2, x3 = X.T
    return {"y": np.sin(x1) + A * np.sin(x2) ** 2 + B * x3**4 * np.sin(x1)}


PARAMS = [(f"x{i}", Uniform(-math.pi, math.pi, kind="aleatory")) for i in (1, 2, 3)]


def test_exact_values_are_the_published_ones():
    np.testing.assert_allclose(S1_EXACT, [0.3139, 0.4424, 0.0], atol=1e-4)
    np.testing.assert_allclose(ST_EXACT, [0.5576, 0.4424, 0.2437], atol=1e-4)
    assert V == pytest.approx(13.84459, rel=1e-6)


@pytest.fixture(scope="module")
def ishigami_large() -> SobolResult:
    # N = 8192 = 2**13 is the power of two nearest 10**4 (log2(1e4) = 13.3); the
    # Saltelli et al. (2010) estimators on scrambled Sobol' points are then within
    # ~0.005 of the exact indices, well inside the 0.02 tolerance, at 5 N + 4 N
    # evaluations. Few bootstrap resamples: only the point estimates are checked here.
    return sobol_analysis(ishigami, PARAMS, groups=GROUPS, n_base=8192, seed=1,
                          n_bootstrap=100)


def test_ishigami_per_parameter(ishigami_large):
    idx = ishigami_large.by_parameter["y"]
    np.testing.assert_allclose(idx.S1, S1_EXACT, atol=0.02)
    np.testing.assert_allclose(idx.ST, ST_EXACT, atol=0.02)
    assert ishigami_large.n_evaluations == 8192 * (3 + 2) + 8192 * (2 + 2)


def test_ishigami_per_group_closed_indices(ishigami_large):
    assert ishigami_large.groups == ("A", "B")
    idx = ishigami_large.by_group["y"]
    np.testing.assert_allclose(idx.S1, S1_GROUP_EXACT, atol=0.02)
    np.testing.assert_allclose(idx.ST, ST_GROUP_EXACT, atol=0.02)
    # The closed index of a group is not the sum of its parameters' S1: the x1-x3
    # interaction (0.24 of the variance) belongs to group A.
    per_param = ishigami_large.by_parameter["y"].S1
    assert idx.S1[0] - (per_param[0] + per_param[2]) == pytest.approx(V13 / V, abs=0.03)


def test_bootstrap_intervals_shrink_like_one_over_sqrt_n():
    small = sobol_analysis(ishigami, PARAMS, n_base=1024, seed=3).by_parameter["y"]
    large = sobol_analysis(ishigami, PARAMS, n_base=4096, seed=3).by_parameter["y"]
    w_small = np.r_[small.S1_conf, small.ST_conf]
    w_large = np.r_[large.S1_conf, large.ST_conf]
    assert np.all(w_small > 0) and np.all(w_small < 0.2)
    ratios = w_small / w_large
    # Four times the points: half the width, sqrt(4) = 2.
    assert np.exp(np.mean(np.log(ratios))) == pytest.approx(2.0, rel=0.15)
    assert np.all((ratios > 1.4) & (ratios < 2.8))
    # The exact values lie inside the 95% intervals.
    assert np.all(np.abs(large.S1 - S1_EXACT) <= large.S1_conf)
    assert np.all(np.abs(large.ST - ST_EXACT) <= large.ST_conf)


def test_linear_model_with_normal_inputs_is_exact():
    # y = sum c_i x_i with independent x_i ~ N(m_i, s_i): V_i = c_i^2 s_i^2, no
    # interactions, so S1_i = ST_i = c_i^2 s_i^2 / sum_j c_j^2 s_j^2 exactly.
    c = np.array([1.0, -2.0, 0.5, 3.0])
    s = np.array([1.0, 0.3, 2.0, 0.1])
    params = [(f"x{i}", Normal(m, sd, kind="aleatory"))
              for i, (m, sd) in enumerate(zip([1.0, -1.0, 0.0, 5.0], s, strict=True))]
    exact = c**2 * s**2 / np.sum(c**2 * s**2)
    res = sobol_analysis(lambda X: {"y": X @ c}, params, n_base=4096, n_bootstrap=100)
    idx = res.by_parameter["y"]
    np.testing.assert_allclose(idx.S1, exact, atol=3e-3)
    np.testing.assert_allclose(idx.ST, exact, atol=3e-3)
    assert idx.S1.sum() == pytest.approx(1.0, abs=5e-3)


def test_several_outputs_and_units_reach_the_evaluation_in_si():
    # Parameters in eV and K reach evaluate() as J and K; indices are unit-free.
    seen = {}

    def evaluate(X):
        seen["max_energy"] = X[:, 0].max()
        return {"sum": X[:, 0] / 1.602176634e-19 + X[:, 1] / 100.0, "energy": X[:, 0]}

    params = [("barrier", Uniform(0.1, 0.3, unit="eV")),
              ("temperature", Uniform(250.0, 350.0, unit="K"))]
    res = sobol_analysis(evaluate, params, n_base=1024, n_bootstrap=50)
    assert 1e-20 < seen["max_energy"] < 0.3 * 1.602176634e-19 * (1 + 1e-12)
    assert res.outputs == ("sum", "energy")
    # sum: variances (0.2^2 : 1^2) / 12 -> S1 = (0.0385, 0.9615); energy: barrier only.
    np.testing.assert_allclose(res.by_parameter["sum"].S1, [0.04 / 1.04, 1 / 1.04], atol=0.01)
    np.testing.assert_allclose(res.by_parameter["energy"].ST, [1.0, 0.0], atol=0.01)


def test_interval_is_sampled_uniformly():
    f = lambda X: {"y": X[:, 0] * np.exp(X[:, 1])}  # noqa: E731
    uni = sobol_analysis(f, [("a", Uniform(0.1, 1.0)), ("b", Uniform(0.0, 1.0))],
                         n_base=256, n_bootstrap=20)
    itv = sobol_analysis(f, [("a", Interval(0.1, 1.0)), ("b", Uniform(0.0, 1.0))],
                         n_base=256, n_bootstrap=20)
    np.testing.assert_array_equal(uni.by_parameter["y"].S1, itv.by_parameter["y"].S1)


def test_same_seed_same_result_other_seed_other_design():
    a = sobol_analysis(ishigami, PARAMS, n_base=256, seed=5, n_bootstrap=50)
    b = sobol_analysis(ishigami, PARAMS, n_base=256, seed=5, n_bootstrap=50)
    c = sobol_analysis(ishigami, PARAMS, n_base=256, seed=6, n_bootstrap=50)
    for key in ("S1", "S1_conf", "ST", "ST_conf"):
        np.testing.assert_array_equal(getattr(a.by_parameter["y"], key),
                                      getattr(b.by_parameter["y"], key))
    assert not np.array_equal(a.by_parameter["y"].S1, c.by_parameter["y"].S1)


def test_single_group_holds_all_variance_without_extra_runs():
    res = sobol_analysis(ishigami, PARAMS, groups=dict.fromkeys(GROUPS, "micro"),
                         n_base=256, n_bootstrap=20)
    assert res.groups == ("micro",)
    assert res.by_group["y"].S1.tolist() == [1.0] and res.by_group["y"].ST.tolist() == [1.0]
    assert res.n_evaluations == 256 * 5


def test_dataset_and_figure(tmp_path):
    res = sobol_analysis(ishigami, PARAMS, groups=GROUPS, n_base=256, n_bootstrap=50)
    ds = res.to_dataset()
    assert ds["S1"].dims == ("output", "parameter")
    assert ds["ST_group_conf"].dims == ("output", "group")
    assert list(ds["parameter_group"].values) == ["A", "B", "A"]
    assert all(ds[v].attrs["units"] == "1" for v in ds.data_vars)
    assert ds.attrs["n_evaluations"] == res.n_evaluations == 256 * 5 + 256 * 4
    ds.to_netcdf(tmp_path / "sobol.nc")

    fig = res.figure("y")
    assert isinstance(fig, Figure)
    axes = fig.get_axes()
    assert len(axes) == 2
    assert axes[0].get_xlabel() == "parameter" and "group" in axes[1].get_xlabel()
    assert all(ax.get_ylabel() == "Sobol' index (1)" for ax in axes)
    fig.savefig(tmp_path / "sobol.png")
    assert (tmp_path / "sobol.png").stat().st_size > 0
    with pytest.raises(ConfigError, match="no output 'z'"):
        res.figure("z")

    plain = sobol_analysis(ishigami, PARAMS, n_base=64, n_bootstrap=20)
    assert "group" not in plain.to_dataset().dims
    assert len(plain.figure("y").get_axes()) == 1


@pytest.mark.parametrize(("n_base", "suggested"), [(1000, 1024), (3000, 2048), (100, 128)])
def test_n_base_must_be_a_power_of_two(n_base, suggested):
    with pytest.raises(ConfigError, match=f"use n_base = {suggested}$"):
        sobol_analysis(ishigami, PARAMS, n_base=n_base)


def test_bad_input_is_refused_before_running():
    def never(X):
        raise AssertionError("evaluate must not run")

    with pytest.raises(ConfigError, match="at least 2 parameters"):
        sobol_analysis(never, PARAMS[:1])
    with pytest.raises(ConfigError, match="unknown parameter 'x4'"):
        sobol_analysis(never, PARAMS, groups={**GROUPS, "x4": "B"})
    with pytest.raises(ConfigError, match="no group for parameter 'x3'"):
        sobol_analysis(never, PARAMS, groups={"x1": "A", "x2": "B"})
    with pytest.raises(ConfigError, match="given twice"):
        sobol_analysis(never, [PARAMS[0], PARAMS[0]])
    with pytest.raises(ConfigError, match="conf_level"):
        sobol_analysis(never, PARAMS, conf_level=95)


def test_bad_output_is_named():
    def nan_at_edge(X):
        y = ishigami(X)["y"]
        y[X[:, 0] > 3.0] = np.nan
        return {"y": y}

    with pytest.raises(NonFiniteError, match=r"output 'y' is nan at x1=3\.\d+"):
        sobol_analysis(nan_at_edge, PARAMS, n_base=64)
    with pytest.raises(ConfigError, match=r"output 'y' has shape \(320, 2\)"):
        sobol_analysis(lambda X: {"y": X[:, :2]}, PARAMS, n_base=64)
