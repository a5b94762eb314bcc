"""Reference test of the ``pyrodiversity`` case (scale selection with detection)."""

import json

import pytest

from scaleweave.cases.pyrodiversity import PyrodiversityCase
from scaleweave.cases.pyrodiversity.data import candidate_scales, check_design, nearest_candidate
from scaleweave.core.parameters import resolve_parameters
from scaleweave.errors import ConfigError
from scaleweave.runner import run_case
from scaleweave.uq.intervals import wilson_interval


def test_wilson_interval_matches_published_example():
    """Newcombe (1998), Stat. Med. 17:857, Table I: 81/263 -> 0.2553 to 0.3662."""
    lo, hi = wilson_interval(81, 263)
    assert lo == pytest.approx(0.2553, abs=1e-4)
    assert hi == pytest.approx(0.3662, abs=1e-4)


def test_candidate_scales_are_geometric():
    s = candidate_scales(100.0, 5000.0, 6)
    assert s[0] == pytest.approx(100.0) and s[-1] == pytest.approx(5000.0)
    assert s[1] / s[0] == pytest.approx(s[-1] / s[-2])
    assert nearest_candidate(s, 1000.0) == pytest.approx(1045.64, abs=0.01)


def test_references_without_running():
    params = resolve_parameters(PyrodiversityCase.parameters)
    refs = PyrodiversityCase().references(params)
    assert [(r.output, r.expected, r.comparison) for r in refs] == [
        ("recovery_rate", 0.9, "ge"), ("effect_coverage", 0.95, "ge"),
        ("effect_sign_rate", 0.9, "ge")]
    assert [r.name for r in refs] == [
        "true scale recovered in >= 90% of 20 landscapes",
        "effect's 95% interval covers the truth (20 landscapes)",
        "effect's sign resolved (20 landscapes)"]
    # 3 binomial standard deviations at the nominal 0.95 over 20 replicates.
    assert refs[1].tolerance == pytest.approx(3 * (0.95 * 0.05 / 20) ** 0.5, rel=1e-12)
    assert refs[0].tolerance == 0.0 and refs[2].tolerance == 0.0
    quick = resolve_parameters(PyrodiversityCase.parameters, quick=PyrodiversityCase.quick)
    assert PyrodiversityCase().references(quick)[1].tolerance == pytest.approx(0.653834841531101)


def test_design_check_without_running():
    params = resolve_parameters(PyrodiversityCase.parameters, overrides=["scale_max=20 km"])
    with pytest.raises(ConfigError, match="half the landscape"):
        check_design(params, candidate_scales(params["scale_min"], params["scale_max"], 6))


def test_quick_run_recovers_the_scale(tmp_path):
    folder = run_case("pyrodiversity", out=tmp_path, quick=True, quiet=True)
    summary = json.loads((folder / "summary.json").read_text())
    assert [r["name"] for r in summary["references"] if not r["passed"]] == []
    assert summary["outputs"]["selected_scale"]["value"] == pytest.approx(1045.7, abs=0.1)
    eff = summary["outputs"]["effect"]
    assert eff["lo"] < 1.0 < eff["hi"]  # the true community effect (default 1.0)
    assert summary["figures"][0] == "scale_weights.png"
    cover = next(r for r in summary["references"] if "covers the truth" in r["name"])
    assert cover["expected"] == 0.95
    assert cover["tolerance"] == pytest.approx(0.653834841531101)  # 3 sqrt(0.95 0.05 / 1)
    assert len(summary["references"]) == 3
    diags = {v["diagnostic"] for v in summary["validity"]}
    assert {"max R-hat over replicates", "divergent transitions (all replicates)"} <= diags
    # Issue 13: the default quick run converges (it used to end at R-hat 1.013 and bulk
    # ESS 150 < 200 with exit 0): every entry inside its limit, none a counter-example.
    assert [(v["bridge"], v["diagnostic"], v["value"]) for v in summary["validity"]
            if not v["ok"]] == []
    assert not any(v["counterexample"] for v in summary["validity"])
    val = {(v["bridge"], v["diagnostic"]): v for v in summary["validity"]}
    rhat = val[("occupancy scale selection", "max R-hat over replicates")]
    assert rhat["limit"] == 1.01 and rhat["value"] < 1.01
    ess = val[("occupancy scale selection", "min bulk ESS over replicates")]
    assert ess["limit"] == 200.0 and ess["value"] > 400.0  # 2 chains x 2000 draws
    # The fit without the environment reports its convergence too.
    naive = [v for (b, _), v in val.items() if "without the environment" in b]
    assert {v["diagnostic"] for v in naive} == {"max R-hat", "min bulk ESS", "min tail ESS",
                                                "divergent transitions"}
    assert summary["parameters"]["draws"]["value"] == 2000
    assert summary["parameters"]["target_accept"]["value"] == 0.8


def test_buffer_larger_than_half_the_landscape_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="half the landscape"):
        run_case("pyrodiversity", out=tmp_path, quick=True, quiet=True,
                 overrides=["scale_max=20 km"])


@pytest.mark.slow
def test_full_run_recovers_the_scale_in_ninety_percent(tmp_path):
    """Issue 7: the true scale in >= 90% of 20 seeded landscapes, effect covered."""
    folder = run_case("pyrodiversity", out=tmp_path, quiet=True)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "passed"
    assert summary["outputs"]["recovery_rate"]["value"] >= 0.9
    # Issue 13: the full run converges too (every replicate and the refit).
    assert [(v["bridge"], v["diagnostic"], v["value"]) for v in summary["validity"]
            if not v["ok"]] == []


def test_bad_nuts_setting_is_refused_before_running():
    with pytest.raises(ConfigError, match=r"target_accept.*\[0.5, 1\)"):
        resolve_parameters(PyrodiversityCase.parameters, overrides=["target_accept=1"])
