"""Reference test of the ``multirate`` case, at the gallery size and with other inputs."""

import json
import math

import pytest
import xarray as xr

from scaleweave.engines.particles.spring_chain import verlet_growth_factor
from scaleweave.runner import run_case


def _run(tmp_path, *sets, quick=True):
    folder = run_case("multirate", out=tmp_path, overrides=list(sets), quick=quick, quiet=True)
    return json.loads((folder / "summary.json").read_text()), folder


def test_quick_gallery_passes_every_reference(tmp_path):
    summary, folder = _run(tmp_path)
    failed = [r["name"] for r in summary["references"] if not r["passed"]]
    assert failed == []
    refs = {r["name"]: r for r in summary["references"]}
    assert len(refs) == 7
    # 2/omega_max of the default chain; Verlet's modified-energy bound 1/(1 - 0.98^2).
    threshold = refs["Verlet instability threshold (bisection) vs 2/omega_max [s]"]
    assert threshold["expected"] == pytest.approx(0.1010273667911835, rel=1e-12)
    assert threshold["tolerance"] == 2e-3
    assert threshold["value"] == pytest.approx(threshold["expected"], rel=2e-3)
    bound = refs["max E/E0 at 0.98 dt_crit vs Verlet modified-energy bound"]
    assert bound["expected"] == pytest.approx(1 / (1 - 0.98**2), rel=1e-9)
    ratio = refs["error ratio of the two finest macro steps (asymptotic)"]
    assert (ratio["expected"], ratio["tolerance"]) == (4.0, 0.05)
    assert ratio["value"] == pytest.approx(4.0, rel=0.05)
    assert all(v["ok"] for v in summary["validity"])
    names = {v["diagnostic"] for v in summary["validity"]}
    assert "single-rate / multi-rate error at the compared steps" in names
    out = summary["outputs"]
    # Multi-rate runs far above the single-rate limit and is cheaper at equal error.
    assert out["macro_dt_over_dt_crit"]["value"] > 4
    assert out["speedup_mass_updates"]["value"] > 2
    assert out["convergence_order"]["value"] == pytest.approx(2.0, abs=0.05)
    ds = xr.open_dataset(folder / "result.nc")
    assert ds["x_multirate"].attrs["units"] == "m"
    assert json.loads(ds.attrs["parameters"])["macro_dt"] == {"value": 0.5, "unit": "s"}
    ds.close()
    for fig in summary["figures"]:
        assert (folder / fig).stat().st_size > 10_000


@pytest.mark.parametrize("n", [10, 57])
def test_uniform_chain_dt_crit_is_analytic(tmp_path, n):
    # Uniform fixed-fixed chain: omega_max = 2 sqrt(k/m) sin(n pi / (2 (n + 1))).
    summary, _ = _run(tmp_path, f"n_masses={n}", "stiff_fraction=0", "mass=2 kg",
                      "spring_constant=8 N/m", "macro_dt=0.2 s")
    omega = 2 * math.sqrt(8 / 2) * math.sin(n * math.pi / (2 * (n + 1)))
    assert summary["outputs"]["dt_crit"]["value"] == pytest.approx(2 / omega, rel=1e-10)
    assert summary["outputs"]["dt_threshold_measured"]["value"] == pytest.approx(2 / omega,
                                                                                 rel=2e-3)
    assert all(r["passed"] for r in summary["references"])


def test_stiffer_block_other_units(tmp_path):
    # Block 1000x stiffer: omega_max -> 2 sqrt(1000 k / m) for a long block.
    summary, _ = _run(tmp_path, "n_masses=200", "stiffness_ratio=1000", "stiff_fraction=0.3",
                      "mass=10 g", "spring_constant=0.5 N/m", "macro_dt=50 ms", "substeps=40",
                      "t_end=4 s")
    omega_long_block = 2 * math.sqrt(1000 * 0.5 / 0.01)
    assert summary["outputs"]["omega_max"]["value"] == pytest.approx(omega_long_block, rel=2e-3)
    assert all(r["passed"] for r in summary["references"]), summary["references"]


def test_references_need_no_run():
    from scaleweave.cases import load_case
    from scaleweave.core.checks import SkippedReference
    from scaleweave.core.parameters import resolve_parameters

    case = load_case("multirate")
    refs = case().references(resolve_parameters(case.parameters, overrides=["macro_dt=0.05 s"]))
    # A macro step below dt_crit is not a multi-rate regime: that reference is skipped.
    assert isinstance(refs[-1], SkippedReference)
    assert refs[0].expected == pytest.approx(0.1010273667911835, rel=1e-12)


def test_growth_factor_formula():
    assert verlet_growth_factor(1.9) == 1.0
    # theta = 2.2: lambda^2 + 2.84 lambda + 1 = 0 -> |lambda| = (2.84 + sqrt(2.84^2 - 4)) / 2
    assert verlet_growth_factor(2.2) == pytest.approx((2.84 + math.sqrt(2.84**2 - 4)) / 2)
