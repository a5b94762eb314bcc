"""Reference test of the ``partial-pooling`` case (eight schools, gene activity pushed forward).

References: Rubin (1981) J. Educ. Stat. 6:377 and Gelman et al. (2013) BDA3 sec. 5.5:
E[mu] = 4.40, E[tau] = 3.59 for mu ~ N(0, 5), tau ~ HalfCauchy(5) (exact, quadrature);
complete pooling 7.69 +- 4.07.
"""

import json

import numpy as np
import pytest
import xarray as xr

pytest.importorskip("numpyro")

from scaleweave.cli import main
from scaleweave.runner import run_case


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("pp")
    folder = run_case("partial-pooling", out=out, quick=True, quiet=True)
    return json.loads((folder / "summary.json").read_text()), folder


def _refs(summary):
    return {r["name"]: r for r in summary["references"]}


def test_quick_run_reproduces_references(quick):
    summary, _folder = quick
    assert [r["name"] for r in summary["references"] if not r["passed"]] == []
    assert summary["status"] == "passed"
    refs = _refs(summary)
    assert refs["eight schools E[mu] (NUTS vs quadrature)"]["expected"] == pytest.approx(
        4.40, abs=0.005)
    assert refs["eight schools E[tau] (NUTS vs quadrature)"]["expected"] == pytest.approx(
        3.59, abs=0.01)
    assert refs["eight schools E[mu] (NUTS vs quadrature)"]["tolerance"] == 0.15
    assert refs["eight schools complete pooling mean"]["value"] == pytest.approx(7.69, abs=5e-3)
    assert refs["eight schools complete pooling sd"]["value"] == pytest.approx(4.07, abs=5e-3)
    out = summary["outputs"]
    assert out["divergences"]["value"] == 0
    # The 0.15 tolerance is >= 3 Monte Carlo standard errors at this size.
    assert 3 * out["mu_mcse"]["value"] < 0.15 and 3 * out["tau_mcse"]["value"] < 0.15
    assert out["kappa_median"]["value"] <= 0.5  # little information per school: non-centred


def test_centred_divergences_are_reported(quick):
    summary, _ = quick
    assert summary["outputs"]["divergences_centred"]["value"] > 0
    centred = [v for v in summary["validity"] if "centred (shown" in v["bridge"]]
    div = next(v for v in centred if v["diagnostic"] == "divergent transitions")
    assert not div["ok"] and div["value"] > 0
    auto = [v for v in summary["validity"] if v["bridge"].startswith("eight schools (auto")]
    assert auto and all(v["ok"] for v in auto)
    assert "non-centred" in auto[0]["bridge"]


def test_pooling_comparison_and_push_forward(quick):
    summary, folder = quick
    out = summary["outputs"]
    assert out["gene_lpd_partial"]["value"] > out["gene_lpd_none"]["value"]
    assert out["gene_lpd_partial"]["value"] > out["gene_lpd_complete"]["value"]
    assert out["gene_rmse_partial"]["value"] < min(out["gene_rmse_none"]["value"],
                                                   out["gene_rmse_complete"]["value"])
    assert out["gene_parameterisation_centred"]["value"] == 1.0  # many counts per tissue
    ds = xr.open_dataset(folder / "result.nc")
    try:
        protein = ds["gene_protein"].values
        assert protein.shape == (500, 12)  # quick: 500 posterior draws x 12 tissues
        # The push-forward is the exact map of the posterior draws of k_tx, row by row:
        # its spread is the calibration's (a ratio of posterior quantiles of log k_tx).
        assert np.all(np.quantile(protein, 0.975, axis=0) > np.quantile(protein, 0.025,
                                                                          axis=0))
        assert ds["schools_theta_school"].dims == ("schools_chain", "schools_draw",
                                                   "schools_school")
        assert int(ds["schools_centred_diverging"].sum()) == int(
            summary["outputs"]["divergences_centred"]["value"])
        assert ds.attrs["converged"] == 1
    finally:
        ds.close()
    assert summary["figures"][0] == "shrinkage.png"
    assert {"pushed_forward.png", "pooling.png", "funnel.png"} <= set(summary["figures"])


def test_bad_prior_is_exit_2(capsys, tmp_path):
    try:
        code = main(["run", "partial-pooling", "--set", "tau_prior_scale=-1", "--out",
                     str(tmp_path), "--quiet"])
    except SystemExit as exc:
        code = exc.code
    err = capsys.readouterr().err
    assert code == 2 and "tau_prior_scale" in err
    assert not (tmp_path / "partial-pooling").exists()


@pytest.mark.slow
def test_not_converged_fails_checks_and_keeps_results(tmp_path):
    # Forcing the centred form on eight schools: divergences, so the case's own
    # convergence checks fail; the results are written and marked.
    folder = run_case("partial-pooling", out=tmp_path, quick=True, quiet=True,
                      overrides=["parameterisation=centred"])
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "failed checks"
    assert not _refs(summary)["eight schools divergences"]["passed"]
    with xr.open_dataset(folder / "result.nc") as ds:
        assert ds.attrs["converged"] == 0 and "NOT CONVERGED" in ds.attrs["notes"]
