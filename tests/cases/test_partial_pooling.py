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

from scaleweave.analytic.eight_schools import (
    EIGHT_SCHOOLS_SIGMA,
    EIGHT_SCHOOLS_Y,
    complete_pooling,
)
from scaleweave.cases.partial_pooling import PartialPoolingCase
from scaleweave.cli import main
from scaleweave.core.parameters import resolve_parameters
from scaleweave.runner import run_case


@pytest.fixture(scope="module")
def quick(tmp_path_factory):
    out = tmp_path_factory.mktemp("pp")
    folder = run_case("partial-pooling", out=out, quick=True, quiet=True)
    return json.loads((folder / "summary.json").read_text()), folder


def _refs(summary):
    return {r["name"]: r for r in summary["references"]}


def _validity(summary):
    return {(v["bridge"], v["diagnostic"]): v for v in summary["validity"]}


def test_references_without_running():
    params = resolve_parameters(PartialPoolingCase.parameters)
    refs = {r.name: r for r in PartialPoolingCase().references(params)}
    assert list(refs) == [
        "eight schools E[mu] (NUTS vs quadrature)", "eight schools E[tau] (NUTS vs quadrature)",
        "eight schools complete pooling mean", "eight schools complete pooling sd",
        "gene: tissues whose true protein level lies in the pushed-forward 95% band"]
    mu = refs["eight schools E[mu] (NUTS vs quadrature)"]
    assert mu.expected == pytest.approx(4.40, abs=0.005)
    assert (mu.output, mu.tolerance, mu.sigmas, mu.comparison) == ("mu", 0.15, 3, "abs")
    assert refs["eight schools E[tau] (NUTS vs quadrature)"].expected == pytest.approx(
        3.59, abs=0.01)
    mean = refs["eight schools complete pooling mean"]
    assert (mean.output, mean.expected, mean.tolerance) == ("complete_pooling", 7.69, 0.005)
    sd = refs["eight schools complete pooling sd"]
    assert (sd.output, sd.expected, sd.tolerance) == ("complete_pooling_sd", 4.07, 0.005)
    band = refs["gene: tissues whose true protein level lies in the pushed-forward 95% band"]
    assert (band.output, band.expected, band.comparison) == ("gene_band_covered", 9, "ge")
    m, s = complete_pooling(EIGHT_SCHOOLS_Y, EIGHT_SCHOOLS_SIGMA)
    assert m == pytest.approx(7.69, abs=5e-3) and s == pytest.approx(4.07, abs=5e-3)


def test_study_is_wiring_with_k_tl_bound():
    params = resolve_parameters(PartialPoolingCase.parameters)
    from scaleweave.cases.base import RunContext

    study = PartialPoolingCase().studies(params, RunContext())["protein"]
    assert study.bindings == {"k_tx": ("transcription.k_tx",), "k_tl": ("translation.k_tl",)}
    # P* = k_tl (k_tx / delta_m) / delta_p at the median rate.
    res = study.run()
    dm, dp = np.log(2) / 7200.0, np.log(2) / 86400.0
    np.testing.assert_allclose(res.si["translation.protein"], 0.01 * 1e-3 / dm / dp, rtol=1e-12)


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
    assert refs["eight schools E[tau] (NUTS vs quadrature)"]["tolerance"] == 0.15
    assert refs["eight schools complete pooling sd"]["tolerance"] == 0.005
    band = refs["gene: tissues whose true protein level lies in the pushed-forward 95% band"]
    assert band["expected"] == 9 and band["value"] >= 9
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
    # The pooling comparison on held-out cells is the fits' validity.
    lpd = {d: v for (b, d), v in _validity(summary).items() if "held-out lpd" in b}
    assert lpd["partial minus no pooling (nats)"]["value"] == pytest.approx(
        out["gene_lpd_partial"]["value"] - out["gene_lpd_none"]["value"])
    assert all(v["ok"] and v["limit"] == 0.0 for v in lpd.values())
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
    # Forcing the centred form on eight schools: divergences, so the fit's convergence
    # diagnostics (validity) fail; the results are written and marked.
    folder = run_case("partial-pooling", out=tmp_path, quick=True, quiet=True,
                      overrides=["parameterisation=centred"])
    summary = json.loads((folder / "summary.json").read_text())
    div = _validity(summary)[("eight schools (centred choice) [school: centred]",
                              "divergent transitions")]
    assert not div["ok"] and div["value"] > 0
    with xr.open_dataset(folder / "result.nc") as ds:
        assert ds.attrs["converged"] == 0 and "NOT CONVERGED" in ds.attrs["notes"]
