"""Reference test of the ``infection`` case (quick size) and of its cell kernel."""

import json
import math

import numpy as np
import pytest
import xarray as xr

from scaleweave.cases.infection import branching_establishment
from scaleweave.engines.kinetics.cell_sheet import CellSheet
from scaleweave.errors import ConfigError
from scaleweave.runner import run_case
from scaleweave.uq.intervals import wilson_interval


def test_quick_run_passes_references(tmp_path):
    folder = run_case("infection", out=tmp_path, overrides=[], quick=True, quiet=True)
    summary = json.loads((folder / "summary.json").read_text())
    failed = [r["name"] for r in summary["references"] if not r["passed"]]
    assert failed == []
    assert len(summary["references"]) == 3
    assert all(v["ok"] for v in summary["validity"])
    out = summary["outputs"]
    est = out["establishment_probability"]
    assert est["lo"] < est["value"] < est["hi"]
    # interferon protection lowers the final infected fraction (95% intervals apart)
    assert out["infected_fraction_protected"]["hi"] < out["infected_fraction_unprotected"]["lo"]
    assert out["qssa_epsilon"]["value"] == pytest.approx(0.05, rel=1e-3)
    ds = xr.open_dataset(folder / "result.nc")
    assert ds["ifn_final"].attrs["units"] == "1/m^2"
    assert ds["time"].attrs["units"] == "s"
    ds.close()
    assert summary["figures"][0] == "infected_fraction.png"
    for fig in summary["figures"]:
        assert (folder / fig).stat().st_size > 10_000


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
