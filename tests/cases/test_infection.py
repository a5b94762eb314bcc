"""Reference test of the ``infection`` case (quick size), its declaration and its wiring."""

import json
import math

import numpy as np
import pytest
import xarray as xr

from scaleweave.analytic.branching import branching_establishment
from scaleweave.cases import load_case
from scaleweave.cases.context import RunContext
from scaleweave.core.coupler import Coupler
from scaleweave.core.parameters import resolve_parameters
from scaleweave.core.study import Study
from scaleweave.engines.kinetics.cell_sheet import CellSheet
from scaleweave.errors import ConfigError
from scaleweave.runner import run_case
from scaleweave.uq.intervals import wilson_interval

ESTABLISHMENT = ("establishment probability without protection (2000 runs, >= 30 infected) "
                 "vs branching process")
FIELD = ("steady interferon around one producing cell: max relative error vs "
         "q K0(r/lambda)/(2 pi D), r >= 2 cells")


def _params(quick: bool = False):
    case = load_case("infection")()
    return case, resolve_parameters(case.parameters, quick=case.quick if quick else None)


def test_quick_run_passes_references(tmp_path):
    folder = run_case("infection", out=tmp_path, overrides=[], quick=True, quiet=True)
    summary = json.loads((folder / "summary.json").read_text())
    failed = [r["name"] for r in summary["references"] if not r["passed"]]
    assert failed == []
    refs = {r["name"]: r for r in summary["references"]}
    assert set(refs) == {ESTABLISHMENT, FIELD}
    est = refs[ESTABLISHMENT]
    assert est["comparison"] == "abs"
    assert est["expected"] == pytest.approx(0.7036111143266897, rel=1e-12)
    assert est["tolerance"] == pytest.approx(0.03063398951413114, rel=1e-12)
    assert abs(est["value"] - est["expected"]) <= est["tolerance"]
    field = refs[FIELD]
    assert (field["expected"], field["tolerance"], field["comparison"]) == (0.01, 0.0, "le")
    assert field["value"] <= 0.01
    assert summary["skipped_references"] == []
    assert all(v["ok"] for v in summary["validity"])
    # the QSSA epsilon is the binding bridge's diagnostic, not a reference
    (eps,) = [v for v in summary["validity"] if v["bridge"] == "qssa"]
    assert eps["value"] == pytest.approx(0.05, rel=1e-3)
    assert (eps["limit"], eps["sense"]) == (0.1, "le")
    out = summary["outputs"]
    est = out["establishment_probability"]
    assert est["lo"] < est["value"] < est["hi"]
    # interferon protection lowers the final infected fraction (95% intervals apart)
    assert out["infected_fraction_protected"]["hi"] < out["infected_fraction_unprotected"]["lo"]
    assert out["qssa_epsilon"]["value"] == pytest.approx(0.05, rel=1e-3)
    ds = xr.open_dataset(folder / "result.nc")
    assert ds["ifn_final"].attrs["units"] == "1/m^2"
    assert ds["time"].attrs["units"] == "s"
    assert set(json.loads(ds.attrs["study_graph"])) == {"binding", "coupled"}
    ds.close()
    assert summary["figures"][0] == "infected_fraction.png"
    assert "study-graph.png" in summary["figures"]
    for fig in summary["figures"]:
        assert (folder / fig).stat().st_size > 10_000


def test_references_need_no_run():
    case, p = _params()
    refs = {r.name: r for r in case.references(p)}
    est = refs[ESTABLISHMENT.replace("2000 runs", "4000 runs")]
    assert est.output == "establishment_probability"
    assert est.expected == pytest.approx(0.7036111143266897, rel=1e-12)
    # three binomial standard errors of 4000 runs
    assert est.tolerance == pytest.approx(3 * math.sqrt(est.expected * (1 - est.expected)
                                                        / 4000))
    assert (refs[FIELD].output, refs[FIELD].expected, refs[FIELD].comparison) == (
        "field_error_max", 0.01, "le")


def test_study_is_the_binding_bridge_and_the_coupling():
    case, p = _params(quick=True)
    studies = case.studies(p, RunContext())
    binding, coupled = studies["binding"], studies["coupled"]
    assert isinstance(binding, Study) and isinstance(coupled, Coupler)
    assert list(binding.models) == ["qssa"]
    assert binding.bindings["k_on"] == ("qssa.k_on",)
    res = binding.run()
    assert res.si["qssa.beta"] == pytest.approx(3.125e-5 * (1 / 3600) / (1 + 1 / 3600))
    assert res.si["qssa.epsilon"] == pytest.approx(0.05, rel=1e-3)
    assert set(coupled.submodels) == {"cells", "field"}
    assert coupled.validate() == []
    assert {(e.source, e.target) for e in coupled.exchanges} == {
        ("cells.source", "field.source"), ("field.ifn", "cells.ifn")}
    # the cells' infection rate comes from the binding study, so it is not set here
    assert "beta" not in coupled.submodels["cells"].sheet.rates


def test_units_are_checked():
    with pytest.raises(ConfigError, match="k_on"):
        run_case("infection", out="/tmp/unused-infection", overrides=["k_on=1 m"],
                 quick=True, quiet=True)


def test_cell_sheet_bookkeeping_and_reproducibility():
    rates = {"beta": 1e-3, "clearance": 0.05, "eclipse": 0.5, "death": 0.2,
             "production": 2.0}
    runs = []
    for _ in range(2):
        sheet = CellSheet(6, 5, 4, rates, seed=3)
        prot = np.full((5, 36), 0.01)
        for m in range(10):
            sheet.advance(m * 1.0, (m + 1) * 1.0, prot)
        runs.append(sheet)
        for k in range(5):
            # per-state index lists agree with the states
            assert sheet.count[k].sum() == 36
            for s in range(5):
                members = sheet.members[k, s, :sheet.count[k, s]]
                assert np.all(sheet.state[k, members] == s)
                assert np.all(sheet.where[k, members] == np.arange(members.size))
    np.testing.assert_array_equal(runs[0].state, runs[1].state)
    np.testing.assert_array_equal(runs[0].virions, runs[1].virions)


def test_branching_and_wilson_formulas():
    # f = 1/2, R0 = p f / delta = 3: P(one virion) = f (1 - 1/R0) = 1/3
    assert branching_establishment(1, 1.0, 1.0, 6.0, 1.0) == pytest.approx(1 / 3)
    assert branching_establishment(3, 1.0, 1.0, 6.0, 1.0) == pytest.approx(1 - (2 / 3) ** 3)
    assert branching_establishment(2, 1.0, 1.0, 1.0, 1.0) == 0.0  # subcritical
    lo, hi = wilson_interval(50, 100)
    # Wilson (1927): centre 0.5, half-width z sqrt(0.25/100 + z^2/40000) / (1 + z^2/100)
    z = 1.959963984540054
    half = z * math.sqrt(0.0025 + z * z / 40000) / (1 + z * z / 100)
    assert (lo, hi) == pytest.approx((0.5 - half, 0.5 + half))
