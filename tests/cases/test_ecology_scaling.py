"""Reference test of the ``ecology-scaling`` case: detection-corrected occupancy, scaling exponent.

References: MacKenzie et al. (2002) Ecology 83:2248 (200 sites, 4 visits, psi = 0.6,
p = 0.3; naive estimate psi [1 - (1 - p)^K] = 0.456); species-area exponent z = 0.25
(Preston 1962) recovered from simulated nested quadrats within 0.02.
"""

import json
import math
import time

import numpy as np
import pytest
from scipy import optimize, special

from scaleweave.cases.ecology_scaling import (
    EcologyScalingCase,
    occupancy_mle,
    simulate_nested_quadrats,
    simulate_occupancy,
)
from scaleweave.core.parameters import read_config, resolve_parameters


def test_naive_expectation_of_the_published_design():
    assert 0.6 * (1 - 0.7**4) == pytest.approx(0.456, abs=5e-4)  # MacKenzie et al. (2002)


def test_closed_form_mle_matches_numerical_optimum():
    d = simulate_occupancy(np.random.default_rng(5), 200, 4, 0.6, 0.3)[0]
    n_det, s_det, n = np.sum(d > 0), d.sum(), d.size

    def nll(t):
        psi, p = special.expit(t)
        return -(n_det * np.log(psi) + s_det * np.log(p) + (4 * n_det - s_det) * np.log1p(-p)
                 + (n - n_det) * np.log(psi * (1 - p) ** 4 + 1 - psi))

    opt = special.expit(optimize.minimize(nll, [0.0, 0.0], method="Nelder-Mead",
                                          options={"xatol": 1e-10, "fatol": 1e-12}).x)
    est = occupancy_mle(d, 4)
    assert est["psi"] == pytest.approx(opt[0], abs=1e-5)
    assert est["p"] == pytest.approx(opt[1], abs=1e-5)
    # Asymptotic SE of psi-hat for this design is ~0.06 (MacKenzie et al. 2002, Table 1).
    assert 0.03 < est["se_psi"] < 0.1


def test_psi_hat_unbiased_naive_biased_over_seeded_surveys():
    reps = 400
    d = simulate_occupancy(np.random.default_rng(2024), 200, 4, 0.6, 0.3, reps)
    est = occupancy_mle(d, 4)
    se = est["psi"].std(ddof=1) / math.sqrt(reps)
    assert abs(est["psi"].mean() - 0.6) < 3 * se
    se_naive = est["naive"].std(ddof=1) / math.sqrt(reps)
    assert abs(est["naive"].mean() - 0.6 * (1 - 0.7**4)) < 3 * se_naive
    assert est["naive"].mean() < 0.6 - 20 * se_naive  # the naive estimate is badly biased


def test_nested_quadrats_follow_the_power_law_at_every_grain():
    areas = 4.0 ** np.arange(5)
    sim = simulate_nested_quadrats(np.random.default_rng(1), 4000, areas, 5.0, 0.25, 0.0, 0.0)
    s = sim["S"]
    assert np.all(np.diff(s, axis=1) >= 0)  # nested: smaller quadrats hold subsets
    expected = 5.0 * areas**0.25
    # Poisson means: 4 standard errors of the mean over 4000 plots.
    np.testing.assert_array_less(np.abs(s.mean(axis=0) - expected),
                                 4 * np.sqrt(expected / 4000))


def test_design_is_read_from_toml(tmp_path):
    cfg = tmp_path / "design.toml"
    cfg.write_text("n_sites = 120\nn_visits = 6\nn_grains = 4\ngrain_factor = 2.0\n"
                   'min_grain = "0.25 m^2"\n')
    params = resolve_parameters(EcologyScalingCase.parameters, config=read_config(cfg))
    assert (params["n_sites"], params["n_visits"], params["n_grains"]) == (120, 6, 4)
    assert params["min_grain"] == pytest.approx(0.25)
    assert params["grain_factor"] == 2.0


@pytest.mark.slow
def test_case_reproduces_references(tmp_path):
    pytest.importorskip("numpyro")
    from scaleweave.cases.base import RunContext
    from scaleweave.core.results import write_result

    params = resolve_parameters(EcologyScalingCase.parameters)
    tic = time.perf_counter()
    result = EcologyScalingCase().run(params, RunContext(seed=0, quiet=True))
    folder = write_result(tmp_path, EcologyScalingCase, result, params, 0,
                          time.perf_counter() - tic)
    summary = json.loads((folder / "summary.json").read_text())
    assert [r["name"] for r in summary["references"] if not r["passed"]] == []
    assert summary["outputs"]["z"]["value"] == pytest.approx(0.25, abs=0.02)
    assert summary["outputs"]["naive_expected"]["value"] == pytest.approx(0.456, abs=5e-4)
    assert summary["figures"] == ["occupancy.png", "species_area.png"]
