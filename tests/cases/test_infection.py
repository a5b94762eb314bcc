"""Reference test of the ``infection`` case (quick size), its declaration and its wiring."""

import json
import math

import numpy as np
import pytest
import xarray as xr

from scaleweave.analytic.branching import branching_establishment, threshold_probability
from scaleweave.bridges.reduction.binding import binding_rate
from scaleweave.cases import load_case
from scaleweave.cases.context import RunContext
from scaleweave.cases.infection.field import field_reference
from scaleweave.cases.infection.study import cell_rates, establishment
from scaleweave.core.coupler import Coupler
from scaleweave.core.parameters import resolve_parameters
from scaleweave.core.study import Study
from scaleweave.engines.kinetics.cell_sheet import CellSheet
from scaleweave.errors import ConfigError
from scaleweave.runner import run_case
from scaleweave.uq.intervals import wilson_interval

ESTABLISHMENT = ("establishment probability without protection (2000 runs, >= 30 cells ever "
                 "infected) vs its exact first-passage probability")
FIELD = ("steady interferon around one producing cell: max relative error vs "
         "q K0(r/lambda)/(2 pi D), r >= 2 cells")
FIELD_3D = ("steady interferon above one producing cell (3D medium): max relative error vs "
            "q exp(-r/lambda)/(4 pi D r) and its images in the zero-flux walls, r >= 2 cells")
#: P(>= 30 of 1600 cells ever infected) from 3 virions at the default rates (R0 = 3):
#: the first passage of the embedded chain (the long-run survival is 0.7036111143).
P_30_OF_1600 = 0.703376511326742


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
    assert est["expected"] == pytest.approx(P_30_OF_1600, rel=1e-9)
    assert est["tolerance"] == pytest.approx(3 * math.sqrt(P_30_OF_1600 * (1 - P_30_OF_1600)
                                                           / 2000), rel=1e-9)
    assert est["value"] == pytest.approx(0.688)  # 1376 of 2000 runs, seed 0
    assert abs(est["value"] - est["expected"]) <= est["tolerance"]
    field = refs[FIELD]
    assert (field["expected"], field["tolerance"], field["comparison"]) == (0.01, 0.0, "le")
    assert field["value"] <= 0.01
    assert field["value"] == pytest.approx(0.00136, abs=1e-4)
    assert summary["skipped_references"] == []
    assert all(v["ok"] for v in summary["validity"])
    # the QSSA epsilon is the binding bridge's diagnostic, not a reference
    (eps,) = [v for v in summary["validity"] if v["bridge"] == "qssa"]
    assert eps["value"] == pytest.approx(0.05, rel=1e-3)
    assert (eps["limit"], eps["sense"]) == (0.1, "le")
    out = summary["outputs"]
    est = out["establishment_probability"]
    assert est["lo"] < est["value"] < est["hi"]
    assert out["establishment_exact"]["value"] == pytest.approx(P_30_OF_1600, rel=1e-9)
    assert out["establishment_branching"]["value"] == pytest.approx(0.7036111143266897)
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
    assert est.expected == pytest.approx(P_30_OF_1600, rel=1e-9)
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


def test_establishment_near_r0_one_is_checked_against_the_counted_event():
    # burst 1.5: R0 = 0.75, the branching process never survives, yet 30 cells are
    # infected in about 5% of the runs. The reference is that event's exact probability.
    case, p = _params()
    p = resolve_parameters(case.parameters, overrides=["burst_size=1.5", "virions0=4",
                                                       "establishment_runs=20000"])
    beta = binding_rate(p["k_on"], p["k_off"], p["k_entry"])
    hits = establishment(p, cell_rates(p, beta), seed=0)
    share = hits / 20000
    (est, _) = case.references(p)
    death = 1 / p["producing_time"]
    exact = threshold_probability(4, 30, beta * 1600, p["clearance"], 1.5 * death, death, 1600)
    assert est.expected == pytest.approx(exact, rel=1e-12)
    assert est.expected == pytest.approx(0.0512328, rel=1e-5)
    se = math.sqrt(exact * (1 - exact) / 20000)
    assert est.tolerance == pytest.approx(3 * se)
    assert est.check({"establishment_probability": share}).passed
    assert abs(share - exact) < 3 * se
    # the long-run survival probability (the former reference) is 0: 30+ standard errors off
    survival = branching_establishment(4, beta * 1600, p["clearance"], 1.5 * death, death)
    assert survival == 0.0
    assert share - survival > 30 * se


def test_threshold_above_the_sheet_is_refused():
    with pytest.raises(ConfigError, match="establishment_threshold"):
        run_case("infection", out="/tmp/unused-infection", quick=True, quiet=True,
                 overrides=["n_side=5", "establishment_threshold=26"])


@pytest.mark.parametrize("depth", ["50 um", "20 um"])
def test_medium_must_be_whole_cells(depth):
    with pytest.raises(ConfigError, match="medium_height"):
        run_case("infection", out="/tmp/unused-infection", quick=True, quiet=True,
                 overrides=["field_dimension=3", f"medium_height={depth}"])


def test_3d_field_reference_is_the_mirrored_yukawa_field():
    case, _ = _params()
    out = {}
    for depth in ("60 um", "200 um"):
        p = resolve_parameters(case.parameters,
                               overrides=["field_dimension=3", f"medium_height={depth}"])
        r_cells, profile, exact, err = field_reference(p)
        # lambda = sqrt(10 um^2/s * 1 h) = 190 um: out to 3 lambda, 29 cells
        assert r_cells[-1] == 29 and np.isnan(exact[0])
        assert err < 0.004
        out[depth] = profile
        refs = {r.name: r for r in case.references(p)}
        assert (refs[FIELD_3D].expected, refs[FIELD_3D].comparison) == (0.01, "le")
    # a deeper medium dilutes the field: the reference follows the medium's height
    assert np.all(out["200 um"][2:] < 0.8 * out["60 um"][2:])


def test_3d_medium_run(tmp_path):
    folder = run_case("infection", out=tmp_path, quick=True, quiet=True, overrides=[
        "field_dimension=3", "n_side=12", "medium_height=60 um", "replicas=4", "t_end=30 h",
        "establishment_runs=400", "establishment_threshold=20", "k_on=3.47e-4 1/s"])
    summary = json.loads((folder / "summary.json").read_text())
    refs = {r["name"]: r for r in summary["references"]}
    assert set(refs) == {ESTABLISHMENT.replace("2000", "400").replace("30", "20"), FIELD_3D}
    assert all(r["passed"] for r in refs.values()), refs
    assert refs[FIELD_3D]["value"] < 0.01
    ds = xr.open_dataset(folder / "result.nc")
    assert ds["ifn_final"].attrs["units"] == "1/m^3"
    assert ds["ifn_final"].shape == (4, 12, 12)  # the floor layer
    assert float(ds["ifn_final"].max()) > 0
    assert ds.attrs["field_dimension"] == 3
    ds.close()
