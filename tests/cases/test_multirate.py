"""Reference test of the ``multirate`` case, at the gallery size and with other inputs."""

import json
import math

import numpy as np
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
    # the bound of the scheme integrated (its one-step map), not the macro step on
    # every mode (0.00513, which is no bound for the multi-rate scheme)
    energy = refs["multi-rate max relative energy error"]
    assert (energy["expected"], energy["tolerance"]) == (pytest.approx(0.0065537, rel=1e-4),
                                                         0.0)
    assert energy["value"] == pytest.approx(0.0044055, rel=1e-3)
    drift = refs["multi-rate energy drift (second half vs first half mean)"]
    assert drift["expected"] == pytest.approx(0.1 * energy["expected"])
    assert drift["value"] < drift["expected"]
    assert summary["outputs"]["energy_error_bound"]["value"] == energy["expected"]
    assert all(v["ok"] for v in summary["validity"])
    names = {v["diagnostic"] for v in summary["validity"]}
    assert "single-rate / multi-rate error at the compared steps" in names
    blocks = [v for v in summary["validity"] if "stability limit" in v["diagnostic"]]
    assert [b["limit"] for b in blocks] == [0.95] * 3
    (growth,) = [v for v in summary["validity"] if "least stable mode" in v["diagnostic"]]
    assert growth["value"] == pytest.approx(1.0, abs=1e-9) and growth["limit"] == 1.01
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


def test_stiff_block_near_its_limit_is_flagged_and_its_energy_bounded(tmp_path):
    # 60 masses, ratio 400, 10 substeps: the subcycled block at 0.975 of its own limit.
    # The former limit (every mode at the macro step) allowed a 958% energy error.
    summary, _ = _run(tmp_path, "n_masses=60", "stiffness_ratio=400")
    refs = {r["name"]: r for r in summary["references"]}
    energy = refs["multi-rate max relative energy error"]
    assert energy["expected"] == pytest.approx(0.1212, rel=1e-3)
    assert energy["value"] == pytest.approx(0.0840, rel=1e-2)
    assert energy["passed"]
    (fast,) = [v for v in summary["validity"] if "subcycled" in v["diagnostic"]]
    assert fast["value"] == pytest.approx(0.9749, abs=1e-4)
    assert (fast["limit"], fast["ok"]) == (0.95, False)


@pytest.mark.parametrize(("shape", "sets"), [
    ("sech", ["pulse_centre=0.65", "pulse_width=4", "pulse_amplitude=2 mm"]),
    ("triangle", ["pulse_width=8"]),
    ("packet", ["pulse_width=6", "pulse_wavelength=12"]),
])
def test_the_pulse_is_a_parameter_and_the_references_follow_it(tmp_path, shape, sets):
    from scaleweave.bridges.timestepping.multirate import (
        multirate_energy_bound,
        partition_chain,
    )
    from scaleweave.engines.particles.spring_chain import build_chain

    summary, folder = _run(tmp_path, f"pulse_shape={shape}", *sets)
    refs = {r["name"]: r for r in summary["references"]}
    assert all(r["passed"] for r in refs.values()), refs
    ds = xr.open_dataset(folder / "result.nc")
    x0 = ds["x_initial"].values
    ds.close()
    given = dict(s.split("=") for s in sets)
    width = float(given.get("pulse_width", 6))
    centre = float(given.get("pulse_centre", 0.25)) * 100
    amplitude = 2e-3 if "pulse_amplitude" in given else 1.0
    i = np.arange(100)
    u = (i - centre) / width
    expected = {"sech": 1 / np.cosh(u), "triangle": np.maximum(0, 1 - abs(u)),
                "packet": np.exp(-u * u) * np.cos(2 * np.pi * (i - centre) / 12)}[shape]
    np.testing.assert_allclose(x0, amplitude * expected, rtol=1e-12, atol=1e-15)
    m, k, _ = build_chain(100, 0.1, 100.0, 1.0, 1.0)
    bound, _ = multirate_energy_bound(m, k, expected, 0 * expected,
                                      partition_chain(m, k, 0.5), 0.5, 10, 120)
    energy = refs["multi-rate max relative energy error"]
    assert energy["expected"] == pytest.approx(bound, rel=1e-9)
    assert abs(energy["expected"] - 0.0065537) > 1e-4  # not the default pulse's bound


def test_a_pulse_between_the_masses_is_refused():
    from scaleweave.errors import ConfigError

    with pytest.raises(ConfigError, match=r"pulse_width.*displaces no mass"):
        run_case("multirate", out="/tmp/unused-multirate", quick=True, quiet=True,
                 overrides=["pulse_shape=triangle", "pulse_width=0.5", "pulse_centre=0.255"])


def test_long_chains_skip_the_energy_bound_with_a_reason():
    from scaleweave.cases import load_case
    from scaleweave.core.checks import SkippedReference
    from scaleweave.core.parameters import resolve_parameters

    case = load_case("multirate")
    refs = case().references(resolve_parameters(case.parameters, overrides=["n_masses=700"]))
    skipped = {r.name: r.reason for r in refs if isinstance(r, SkippedReference)}
    assert "up to 400 masses" in skipped["multi-rate max relative energy error"]
