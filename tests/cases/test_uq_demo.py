"""Reference test of the ``uq-demo`` case (Ishigami, p-box, Oberkampf), default and other inputs."""

import json
import math

import pytest
from scipy import stats

from scaleweave.analytic.ishigami import ishigami_exact
from scaleweave.cli import main
from scaleweave.runner import run_case


def _run(tmp_path, *sets):
    folder = run_case("uq-demo", out=tmp_path, overrides=list(sets), quiet=True)
    return json.loads((folder / "summary.json").read_text()), folder


def _refs(summary):
    return {r["name"]: r for r in summary["references"]}


def test_default_reproduces_published_values(tmp_path):
    summary, _folder = _run(tmp_path)
    assert [r["name"] for r in summary["references"] if not r["passed"]] == []
    refs = _refs(summary)
    # Ishigami & Homma (1990), Sobol' (2001): a=7, b=0.1.
    assert refs["Ishigami S1_x1"]["expected"] == pytest.approx(0.3139, abs=1e-4)
    assert refs["Ishigami ST_x3"]["expected"] == pytest.approx(0.2437, abs=1e-4)
    assert refs["Ishigami variance"]["expected"] == pytest.approx(13.84459, rel=1e-6)
    # Exact normal tails for mu in [0, 1]; Oberkampf et al. (2004) challenge bounds.
    assert refs["P(X > t) lower bound"]["expected"] == pytest.approx(0.02275, abs=1e-5)
    assert refs["P(X > t) upper bound"]["expected"] == pytest.approx(0.15866, abs=1e-5)
    assert refs["challenge y lower bound"]["value"] == pytest.approx(0.69220, abs=1e-5)
    assert summary["outputs"]["P_exceed"]["lo"] == pytest.approx(0.02275, abs=1e-3)
    assert summary["parameters"]["mu"]["kind"] == "epistemic"
    assert {"pbox.png", "sobol.png", "interval.png"} <= set(summary["figures"])
    # the surrogate's cross-validated error is recorded (train_surrogate warns no more)
    (cv,) = [v for v in summary["validity"] if v["bridge"] == "surrogate atom"]
    assert "u: cross-validated relative RMS error" in cv["diagnostic"]
    assert cv["ok"] and cv["limit"] == 0.01 and cv["value"] < 0.01


def test_other_ishigami_coefficients(tmp_path):
    summary, _ = _run(tmp_path, "a=5", "b=0.2", "coverage_repeats=0")
    ex = ishigami_exact(5.0, 0.2)
    refs = _refs(summary)
    assert refs["Ishigami mean"]["expected"] == 2.5
    assert refs["Ishigami ST_x3"]["expected"] == pytest.approx(ex["ST_x3"])
    assert all(r["passed"] for r in summary["references"]), summary["references"]


def test_other_pbox_and_box(tmp_path):
    summary, _ = _run(tmp_path, "mu=interval(0.5, 2)", "z=normal(0, 2) aleatory",
                      "threshold=1.5", "ob_a=interval(0.2, 0.9)", "ob_b=interval(0.1, 0.5)",
                      "coverage_repeats=0")
    refs = _refs(summary)
    assert refs["P(X > t) lower bound"]["expected"] == pytest.approx(stats.norm.sf(0.5))
    assert refs["P(X > t) upper bound"]["expected"] == pytest.approx(stats.norm.sf(-0.25))
    # (a + b)^a on [0.2, 0.9] x [0.1, 0.5]: increasing in b; minimum at b = 0.1.
    assert refs["challenge y upper bound"]["expected"] == pytest.approx(1.4**0.9, rel=1e-9)
    assert all(r["passed"] for r in summary["references"]), summary["references"]


def test_references_left_out_when_they_do_not_apply(tmp_path):
    summary, folder = _run(tmp_path, "x2=normal(0, 1) aleatory", "coverage_repeats=0")
    names = {r["name"] for r in summary["references"]}
    assert not any(n.startswith("Ishigami") for n in names)
    assert "S1_x2" in summary["outputs"]  # still computed, just not compared
    import xarray as xr

    with xr.open_dataset(folder / "result.nc") as ds:
        assert "x1, x2, x3" in ds.attrs["notes"]


@pytest.mark.parametrize("setting,message", [
    ("a=normal(7, 1) aleatory", "setting no model takes as an uncertain input"),
    ("x1=normal(0 rad, -1 rad) aleatory", "standard deviation must be a positive"),
    ("x1=gauss(0 rad, 1 rad)", "unknown distribution 'gauss'"),
    ("mu=interval(1, 0)", "needs lo < hi"),
    ("ob_a=interval(-1, 1)", "reaches outside the valid range"),
])
def test_bad_distributions_exit_2(capsys, tmp_path, setting, message):
    code = main(["run", "uq-demo", "--set", setting, "--out", str(tmp_path), "--quiet"])
    err = capsys.readouterr().err
    assert code == 2 and message in err and len(err.strip().splitlines()) == 1


def test_sobol_closed_scale_index_is_one_minus_other_scale():
    ex = ishigami_exact(7.0, 0.1)
    assert ex["S1_atom"] + ex["S1_meso"] == pytest.approx(1.0)
    assert math.isclose(ex["S1_x1"], 0.3139, abs_tol=1e-4)


def test_plain_monte_carlo_tolerances_follow_the_run_error(tmp_path):
    # Plain MC at small sizes: the fixed tolerances of old (1% on the variance, 0.02 on
    # Sobol' indices, 1e-3 on P(X > t)) failed this correct run; tolerances are now
    # multiples of this run's own standard errors.
    summary, _ = _run(tmp_path, "method=mc", "n_samples=4096", "n_base=1024", "n_inner=4096",
                      "coverage_repeats=0")
    refs, out = _refs(summary), summary["outputs"]
    assert all(r["passed"] for r in summary["references"]), summary["references"]
    assert refs["Ishigami variance"]["tolerance"] == pytest.approx(
        4 * out["ishigami_variance"]["error"])
    assert refs["Ishigami S1_x1"]["tolerance"] == pytest.approx(3 * out["S1_x1"]["error"])
    p_lo = out["P_exceed_lower"]["value"]
    assert refs["P(X > t) lower bound"]["tolerance"] == pytest.approx(
        3 * math.sqrt(p_lo * (1 - p_lo) / 4096))
    # The old fixed tolerances would have failed at least one of these.
    assert (abs(refs["Ishigami variance"]["value"] - refs["Ishigami variance"]["expected"])
            > 0.01 * refs["Ishigami variance"]["expected"]
            or abs(refs["P(X > t) lower bound"]["value"] - refs["P(X > t) lower bound"]["expected"])
            > 1e-3)
