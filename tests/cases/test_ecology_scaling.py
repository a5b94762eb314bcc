"""Reference test of the ``ecology-scaling`` case: detection-corrected occupancy, scaling exponent.

References: MacKenzie et al. (2002) Ecology 83:2248 (200 sites, 4 visits, psi = 0.6,
p = 0.3; naive estimate psi [1 - (1 - p)^K] = 0.456); species-area exponent z = 0.25
(Preston 1962) recovered from simulated nested quadrats within 0.02.
"""

import json
import time

import numpy as np
import pytest

from scaleweave.cases.ecology_scaling import EcologyScalingCase, simulate_nested_quadrats
from scaleweave.core.parameters import read_config, resolve_parameters


def test_naive_expectation_of_the_published_design():
    assert 0.6 * (1 - 0.7**4) == pytest.approx(0.456, abs=5e-4)  # MacKenzie et al. (2002)


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
