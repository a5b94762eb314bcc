"""Reference test of the ``ecology-scaling`` case: detection-corrected occupancy, scaling exponent.

References: MacKenzie et al. (2002) Ecology 83:2248 (200 sites, 4 visits, psi = 0.6,
p = 0.3; naive estimate psi [1 - (1 - p)^K] = 0.456); species-area exponent z = 0.25
(Preston 1962) recovered from simulated nested quadrats within 0.02.
"""

import json
import time

import numpy as np
import pytest

from scaleweave.analytic.occupancy import naive_occupancy
from scaleweave.cases.ecology_scaling import EcologyScalingCase
from scaleweave.cases.ecology_scaling.data import simulate_nested_quadrats
from scaleweave.core.checks import SkippedReference
from scaleweave.core.parameters import read_config, resolve_parameters


def test_naive_expectation_of_the_published_design():
    assert 0.6 * (1 - 0.7**4) == pytest.approx(0.456, abs=5e-4)  # MacKenzie et al. (2002)
    assert naive_occupancy(0.6, 0.3, 4) == 0.6 * (1 - 0.7**4)


def test_references_without_running():
    refs = {r.name: r for r in EcologyScalingCase().references(
        resolve_parameters(EcologyScalingCase.parameters))}
    assert list(refs) == [
        "occupancy: mean psi-hat over 200 seeded surveys",
        "occupancy: mean naive estimate vs psi [1 - (1 - p)^K]",
        "occupancy: naive expectation of the published design",
        "nested occupancy: true gradient effect inside the 95% credible interval",
        "scaling exponent z from all grains",
        "environmental effect: true value inside the 95% credible interval"]
    psi_hat = refs["occupancy: mean psi-hat over 200 seeded surveys"]
    assert (psi_hat.output, psi_hat.expected, psi_hat.sigmas) == ("psi_hat_mean", 0.6, 3)
    naive = refs["occupancy: mean naive estimate vs psi [1 - (1 - p)^K]"]
    assert naive.expected == pytest.approx(0.45594, abs=1e-12) and naive.sigmas == 3
    published = refs["occupancy: naive expectation of the published design"]
    assert (published.expected, published.tolerance) == (0.456, 5e-4)
    z = refs["scaling exponent z from all grains"]
    assert (z.output, z.expected, z.tolerance, z.comparison) == ("z", 0.25, 0.02, "abs")
    assert refs["nested occupancy: true gradient effect inside the 95% credible "
                "interval"].expected == 0.8
    env = refs["environmental effect: true value inside the 95% credible interval"]
    assert (env.output, env.expected, env.interval) == ("env_effect", 0.3, True)


def test_published_design_reference_skipped_for_another_design():
    params = resolve_parameters(EcologyScalingCase.parameters, overrides=["n_visits=6"])
    refs = EcologyScalingCase().references(params)
    skipped = [r for r in refs if isinstance(r, SkippedReference)]
    assert [r.name for r in skipped] == ["occupancy: naive expectation of the published design"]
    naive = next(r for r in refs if r.name.startswith("occupancy: mean naive"))
    assert naive.expected == pytest.approx(0.6 * (1 - 0.7**6))


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
    case = EcologyScalingCase()
    result = case.run(params, RunContext(seed=0, quiet=True))
    folder = write_result(tmp_path, case, result, params, 0,
                          time.perf_counter() - tic)
    summary = json.loads((folder / "summary.json").read_text())
    assert [r["name"] for r in summary["references"] if not r["passed"]] == []
    assert summary["outputs"]["z"]["value"] == pytest.approx(0.25, abs=0.02)
    assert summary["outputs"]["naive_expected"]["value"] == pytest.approx(0.456, abs=5e-4)
    assert summary["figures"] == ["occupancy.png", "species_area.png"]
    refs = {r["name"]: r for r in summary["references"]}
    mean_psi = refs["occupancy: mean psi-hat over 200 seeded surveys"]
    out = summary["outputs"]["psi_hat_mean"]
    assert mean_psi["expected"] == 0.6
    assert mean_psi["tolerance"] == pytest.approx(3 * out["error"], rel=1e-12)
    assert refs["scaling exponent z from all grains"]["tolerance"] == 0.02
    env = refs["environmental effect: true value inside the 95% credible interval"]
    e = summary["outputs"]["env_effect"]
    assert env["expected"] == 0.3
    assert env["tolerance"] == pytest.approx(max(e["hi"] - e["value"], e["value"] - e["lo"]))
    # NUTS convergence and the recovery of the simulated mean psi are validity.
    diags = {(v["bridge"], v["diagnostic"]) for v in summary["validity"]}
    assert ("species-area fit (plots partially pooled) [plot: centred]", "max R-hat") in diags
    assert any(d.startswith("|posterior mean psi") for _, d in diags)
