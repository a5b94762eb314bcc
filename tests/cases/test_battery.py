"""Reference test of the ``battery`` case (issue 6) at its quick size.

The default-run tests use the EMT stand-in hop (seconds) instead of the CHGNet NEB
(about a minute on one core); the CHGNet run, with its check against the GGA
barrier 0.27 eV of Morgan, Van der Ven & Ceder (2004), is marked ``slow``. The
case's references (cited in the case module): Arrhenius 6.31e8 1/s and
D = 9.47e-8 cm^2/s (issue 6), the exact collective diffusivity of the lattice gas
with site exclusion, drift vs Nernst-Einstein conductivity, the device bridge vs
PyBaMM's own run, and the double-counting guard.
"""

from __future__ import annotations

import json

import numpy as np
import pytest

from scaleweave.errors import ConfigError, CouplingError, MissingExtraError
from scaleweave.runner import run_case

pytest.importorskip("pybamm")
pytest.importorskip("ase")
pytest.importorskip("SALib")

_FAST = ("calculator=emt", "n_samples=32", "n_base=16", "kmc_blocks=50")


@pytest.fixture(scope="module")
def emt_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("battery")
    folder = run_case("battery", out=out, overrides=list(_FAST), quick=True, quiet=True)
    return json.loads((folder / "summary.json").read_text()), folder


def test_quick_run_chains_four_scales_and_passes_references(emt_run):
    summary, folder = emt_run
    refs = {r["name"]: r for r in summary["references"]}
    assert [n for n, r in refs.items() if not r["passed"]] == []
    names = " | ".join(refs)
    for key in ("Arrhenius rate", "D = Gamma a^2/6", "collective diffusivity",
                "drift-route vs Nernst-Einstein", "refuses the field at two scales",
                "device capacity at 1C", "device capacity at 3C"):
        assert key in names
    arr = next(r for n, r in refs.items() if n.startswith("Arrhenius rate"))
    assert arr["expected"] == pytest.approx(6.31e8)
    assert all(v["ok"] for v in summary["validity"]), summary["validity"]
    diagnostics = {v["diagnostic"] for v in summary["validity"]}
    assert {"NEB residual force (eV/Angstrom) vs fmax", "|imaginary modes at saddle - 1|",
            "barrier over kT (Ea/kT)", "field work per hop over kT (qEa/kT)"} <= diagnostics
    out = summary["outputs"]
    # the chain: barrier -> rate -> D -> sigma -> capacity, with error bars on the device
    assert 0.2 < out["barrier"]["value"] < 0.6  # EMT Au/Al(100) hop
    assert out["conductivity"]["value"] > 0
    assert out["conductivity_b"]["value"] == pytest.approx(3 * out["conductivity"]["value"])
    for lab in ("1C", "3C"):
        c = out[f"capacity_{lab}"]
        assert c["unit"] == "A*h"
        assert 0 < c["lo"] < c["value"] < c["hi"] < 2.4  # Prada2013: 2.3 A h nominal
    assert out["capacity_3C"]["value"] < out["capacity_1C"]["value"]
    # Sobol' attribution per scale: indices present, the device scale matters
    for scale in ("atomistic", "kinetic", "device"):
        assert f"ST_scale_{scale}" in out
    assert out["ST_scale_device"]["value"] > 0.05
    assert summary["parameters"]["barrier_offset"]["kind"] == "epistemic"
    assert {"voltage_curves.png", "neb_profile.png", "kmc_msd.png",
            "conductivity_arrhenius.png"} <= {p.name for p in folder.iterdir()}
    assert summary["figures"][0].startswith("voltage_curves")


def test_warm_cache_reuses_the_barrier(emt_run, tmp_path):
    _, folder = emt_run
    cache = folder.parent / ".cache"
    assert any(cache.rglob("*.pkl")), "the NEB result must be in the content-hash cache"


def _field_study(device_field: bool, kmc_field: str = "1e6 V/m"):
    from scaleweave.bridges.rates.transport import DriftConductivityModel, OhmicConductorModel
    from scaleweave.cases.battery import lfp_li_lattice
    from scaleweave.core.study import Study
    from scaleweave.engines.lattice.kmc import KMCModel

    kmc = KMCModel(lattice=lfp_li_lattice((1, 4, 1)), concentration=0.5, n_replicas=2,
                   field_direction=(0, 1, 0), name="kmc")
    drift = DriftConductivityModel(name="drift")
    if device_field:
        from scaleweave.adapters.pybamm_device import DeviceModel

        cont = DeviceModel(parameter_set="Prada2013", c_rates=(1,), applies_field=True,
                           name="device")
    else:
        cont = OhmicConductorModel(name="ohmic")
    st = Study([kmc, drift, cont])
    st.connect("kmc.mobility", "drift.mobility")
    st.connect("kmc.carrier_density", "drift.carrier_density")
    st.connect("drift.conductivity", f"{cont.name}.conductivity")
    st.set_input("kmc.hop_rate", "1e8 1/s")
    st.set_input("kmc.temperature", "298 K")
    st.set_input("kmc.electric_field", kmc_field)
    if not device_field:
        st.set_input("ohmic.electric_field", "1e3 V/m")
    return st


@pytest.mark.parametrize("device_field", [False, True])
def test_field_at_two_scales_is_refused(device_field):
    st = _field_study(device_field)
    with pytest.raises(CouplingError, match=r"double counting.*electric_field.*one scale only"):
        st.run()


def test_field_at_one_scale_is_accepted():
    st = _field_study(False, kmc_field="0 V/m")  # drift route off: Ohm's law only
    assert not st.validate()


def test_chemical_diffusivity_is_d0_at_any_concentration():
    """Lattice gas: D_sigma = D0 (N - N_c)/(N - 1), so D_chem = D_sigma (N-1)/(N-N_c) = D0."""
    from scaleweave.adapters.pybamm_device import DeviceModel
    from scaleweave.cases.battery import chain_study, lfp_li_lattice
    from scaleweave.engines.lattice.kmc import KMCModel

    lat = lfp_li_lattice((1, 8, 1))
    device = DeviceModel(parameter_set="Prada2013", conductivity_mode="scale",
                         diffusivity_target="positive particle", name="device")
    for n_car in (4, 24):
        kmc = KMCModel(lattice=lat, n_carriers=n_car, n_replicas=4, n_blocks=100, n_samples=200,
                       n_events=20 * 100 * n_car, seed=3, name="kmc")
        st = chain_study(kmc, device, lat.n_sites, n_car)
        for name, value in (("barrier_neb", "0.3 eV"), ("barrier_offset", "0 eV"),
                            ("attempt_frequency_neb", "1e13 Hz"),
                            ("attempt_frequency_factor", 1.0), ("blocking_factor", 1e-6),
                            ("electrolyte_conductivity", "0.7 S/m")):
            st.bind(name, *{"barrier_neb": ("hop.barrier_neb",),
                            "barrier_offset": ("hop.barrier_offset",),
                            "attempt_frequency_neb": ("hop.attempt_frequency_neb",),
                            "attempt_frequency_factor": ("hop.attempt_frequency_factor",),
                            "blocking_factor": ("fick.blocking_factor",),
                            "electrolyte_conductivity": ("device.conductivity",)}[name],
                    value=value)
        st.bind("temperature", "arrhenius.temperature", "kmc.temperature",
                "nernst_einstein.temperature", value="298 K")
        r = st.run()
        d0 = float(r.si["kmc.uncorrelated_diffusivity"])
        err = float(r.si["kmc.collective_diffusivity_err"]) * (lat.n_sites - 1) / (
            lat.n_sites - n_car)
        assert float(r.si["fick.chemical_diffusivity"]) == pytest.approx(d0, abs=4 * err)
        assert np.all(np.isfinite(np.asarray(r.si["device.capacity"])))


@pytest.mark.parametrize("setting, message", [
    ("temperature=-5 K", "temperature"),
    ("concentration=1.2", "concentration"),
    ("concentration=0", "concentration"),
    ("calculator=vasp", "calculator"),
])
def test_bad_input_is_a_config_error(tmp_path, setting, message):
    with pytest.raises(ConfigError, match=message):
        run_case("battery", out=tmp_path, overrides=[setting], quick=True, quiet=True)


def test_missing_calculator_names_the_extra(tmp_path, monkeypatch):
    from scaleweave.cases import battery

    monkeypatch.setitem(battery.CALCULATOR_EXTRAS, "chgnet",
                        ("scaleweave_no_such_module", "battery"))
    with pytest.raises(MissingExtraError) as info:
        run_case("battery", out=tmp_path, quick=True, quiet=True)
    text = str(info.value)
    assert "\n" not in text and "scaleweave[battery]" in text and "chgnet" in text
    assert not (tmp_path / "battery" / "summary.json").exists()


def test_unconverged_neb_fails_with_residual_force_and_writes_nothing(tmp_path):
    from scaleweave.errors import ModelError

    with pytest.raises(ModelError, match="residual force"):
        run_case("battery", out=tmp_path, overrides=["calculator=emt", "neb_max_steps=1"],
                 quick=True, quiet=True)
    assert not (tmp_path / "battery" / "summary.json").exists()


@pytest.mark.slow
def test_chgnet_quick_run_matches_dft_barrier(tmp_path):
    pytest.importorskip("chgnet")
    folder = run_case("battery", out=tmp_path, quick=True, quiet=True)
    summary = json.loads((folder / "summary.json").read_text())
    refs = {r["name"]: r for r in summary["references"]}
    assert all(r["passed"] for r in refs.values()), summary["references"]
    dft = refs["CHGNet Li b-channel barrier vs DFT (eV)"]
    assert dft["expected"] == 0.27 and abs(dft["value"] - 0.27) <= 0.1
    assert all(v["ok"] for v in summary["validity"]), summary["validity"]
