"""Reference test of the ``battery`` case (issues 6 and 13) at its quick size.

The default-run tests use the EMT stand-in hop (seconds) instead of the CHGNet NEB
(about a minute on one core); the CHGNet run, with its check against the GGA
barrier 0.27 eV of Morgan, Van der Ven & Ceder (2004), is marked ``slow``. The
case's references (``scaleweave.cases.battery.references``) are computed from the
run's own inputs: the DFT barrier, the Arrhenius rate and the lone-carrier D0 at the
given nu0, barrier, temperature and hop distance (skipped, with the reason, when the
NEB supplies the rate), D0 per hop rate (the lattice's geometry), the exact
collective diffusivity of the lattice gas with site exclusion, and the tracer
correlation factor of the chosen lattice in the one-vacancy limit (Compaan & Haven
1956/1958, Montet 1973) or of a lone carrier (1). Drift vs Nernst-Einstein
conductivity is a validity diagnostic. Self-tests of the pieces the case wires,
with fixed inputs, are unit tests here: Arrhenius 6.31e8 1/s and D = 9.47e-8 cm^2/s
(issue 6), the device bridge vs PyBaMM's own run, and the double-counting guard.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest

from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import resolve_parameters
from scaleweave.errors import ConfigError, CouplingError, MissingExtraError
from scaleweave.runner import run_case

pytest.importorskip("pybamm")
pytest.importorskip("ase")
pytest.importorskip("SALib")

_FAST = ("calculator=emt", "n_samples=32", "n_base=16", "kmc_blocks=50")
_RATE = "Arrhenius hop rate vs nu0 exp(-Ea/kT) at the run's nu0, Ea and T (1/s)"
_D0 = "kMC lone-carrier D0 vs the random walk z Gamma a^2/(2d) (m^2/s)"
_D0_RATE = "kMC lone-carrier D0 per hop rate vs z a^2/(2d) (m^2)"
_F_VAC = "tracer correlation factor, one vacancy, vs the exact value of the lattice"
_F_LONE = "kMC tracer correlation factor of the carriers vs its lattice-gas limit"
_KMC = "kMC collective diffusivity over D0 vs (N - N_c)/(N - 1)"
_DFT = "CHGNet Li b-channel barrier vs DFT (eV)"
# Published tracer correlation factors of the vacancy mechanism at vanishing vacancy
# concentration (Compaan & Haven 1956, Trans. Faraday Soc. 52, 786; 1958, 54, 1498;
# Montet 1973, Phys. Rev. B 7, 650): the case's lattice names.
_F0 = {"honeycomb": 1 / 3, "square": 0.46694, "triangular": 0.56006, "sc": 0.65311,
       "bcc": 0.72722, "fcc": 0.78146}
_KB, _EV = 1.380649e-23, 1.602176634e-19  # J/K, J (CODATA 2018, exact)


@pytest.fixture(scope="module")
def emt_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("battery")
    folder = run_case("battery", out=out, overrides=list(_FAST), quick=True, quiet=True)
    return json.loads((folder / "summary.json").read_text()), folder


def test_quick_run_chains_four_scales_and_passes_references(emt_run):
    summary, folder = emt_run
    refs = {r["name"]: r for r in summary["references"]}
    assert [n for n, r in refs.items() if not r["passed"]] == []
    out = summary["outputs"]
    # kMC: D_sigma / D0 = (N - N_c)/(N - 1) exactly, N = 64 sites, N_c = 58 Li; 3 SE
    kmc = refs["kMC collective diffusivity over D0 vs (N - N_c)/(N - 1)"]
    assert kmc["expected"] == pytest.approx(6 / 63, rel=1e-12)
    assert kmc["comparison"] == "abs"
    ratio = out["collective_diffusivity_over_d0"]
    assert kmc["value"] == ratio["value"]
    assert kmc["tolerance"] == pytest.approx(3 * ratio["error"], rel=1e-12)
    # EMT: the DFT barrier of the Li hop does not apply (listed, with the reason)
    skipped = {r["name"]: r["reason"] for r in summary["skipped_references"]}
    assert "calculator=emt" in skipped["CHGNet Li b-channel barrier vs DFT (eV)"]
    # The rate comes from this run's NEB: its closed form is skipped, with the reason;
    # D0 per hop rate is the crystal's geometry, z a^2/(2d) = 2 (b/2)^2 / 6
    for name in (_RATE, _D0):
        assert "not known before the run" in skipped[name]
    geo = refs[_D0_RATE]
    assert geo["expected"] == pytest.approx(2 * (6.010e-10 / 2) ** 2 / 6, rel=1e-12)
    assert (geo["tolerance"], geo["comparison"]) == (1e-9, "rel")
    d0, gamma = out["uncorrelated_diffusivity"]["value"], out["hop_rate"]["value"]
    assert geo["value"] == pytest.approx(d0 / gamma, rel=1e-12)
    assert "single file" in skipped[_F_VAC] and "no exact value" in skipped[_F_LONE]
    assert set(refs) == {kmc["name"], _D0_RATE}
    f = out["correlation_factor"]
    assert 0 < f["value"] < 1 and f["error"] > 0
    assert all(v["ok"] for v in summary["validity"]), summary["validity"]
    diagnostics = {v["diagnostic"]: v for v in summary["validity"]}
    assert {"NEB residual force (eV/Angstrom) vs fmax", "|imaginary modes at saddle - 1|",
            "imaginary modes at the initial minimum",
            "barrier over kT (Ea/kT)", "field work per hop over kT (qEa/kT)",
            "smallest c_e/c_e0 (electrolyte depletion)",
            "discharges that did not reach a cut-off within 1.5 h/C (count)"} <= set(diagnostics)
    # drift route vs Nernst-Einstein: within 3 combined standard errors (Einstein relation)
    drift = next(v for d, v in diagnostics.items() if d.startswith("|drift-route"))
    sigma, sigma_d = out["conductivity"], out["conductivity_drift"]
    assert drift["value"] == pytest.approx(abs(sigma_d["value"] - sigma["value"]), rel=1e-12)
    assert drift["limit"] == pytest.approx(
        3 * np.hypot(sigma["error"], sigma_d["error"]), rel=1e-12)
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


def test_given_barrier_and_standard_lattice_check_the_runs_own_rate(tmp_path, monkeypatch):
    """Issue 13: a user's barrier and attempt frequency replace the NEB (none runs, so
    CHGNet is not needed), on a square lattice with its own hop distance; the rate, D0,
    the lattice gas and the tracer correlation factors are checked at those inputs."""
    monkeypatch.setitem(sys.modules, "chgnet", None)  # no NEB: CHGNet is not needed
    nu0, ea, temp, a = 5e12, 0.33, 330.0, 2.5e-10
    folder = run_case("battery", out=tmp_path, quick=True, quiet=True, overrides=[
        f"barrier={ea} eV", f"attempt_frequency={nu0} Hz", f"temperature={temp} K",
        "barrier_offset=0 eV", "attempt_frequency_factor=1", "lattice=square",
        "hop_distance=2.5 angstrom", "kmc_cells=8", "concentration=0.01", "n_samples=16",
        "n_base=8", "kmc_blocks=50"])
    summary = json.loads((folder / "summary.json").read_text())
    refs = {r["name"]: r for r in summary["references"]}
    out = summary["outputs"]
    assert [n for n, r in refs.items() if not r["passed"]] == []
    assert "neb" not in summary["timings"] and "neb_profile.png" not in summary["figures"]
    assert out["barrier"]["value"] == ea and out["attempt_frequency"]["value"] == nu0
    # Arrhenius at the run's own nu0, Ea and T; D0 = z Gamma a^2 / (2 d) = Gamma a^2 (square)
    gamma = nu0 * np.exp(-ea * _EV / (_KB * temp))
    assert refs[_RATE]["expected"] == pytest.approx(gamma, rel=1e-12)
    assert out["hop_rate"]["value"] == pytest.approx(gamma, rel=1e-9)
    assert refs[_D0]["expected"] == pytest.approx(gamma * a**2, rel=1e-12)
    assert out["uncorrelated_diffusivity"]["value"] == pytest.approx(gamma * a**2, rel=1e-9)
    # one Li on 64 sites: D_sigma = D0 exactly and f = 1 (uncorrelated), 3 standard errors
    for name, output, expected in ((_KMC, "collective_diffusivity_over_d0", 1.0),
                                   (_F_LONE, "correlation_factor", 1.0),
                                   (_F_VAC, "correlation_factor_one_vacancy", _F0["square"])):
        ref, o = refs[name], out[output]
        assert ref["expected"] == pytest.approx(expected, abs=5e-6)
        assert ref["value"] == o["value"]
        assert ref["tolerance"] == pytest.approx(3 * o["error"], rel=1e-12)
    # the one-vacancy run resolves f to better than 1%: a check with teeth
    assert out["correlation_factor_one_vacancy"]["error"] < 0.005
    diagnostics = {v["diagnostic"]: v for v in summary["validity"]}
    hops = next(v for d, v in diagnostics.items() if d.startswith("hops per atom per block"))
    assert hops["ok"] and hops["value"] >= 100
    assert all(v["ok"] for v in summary["validity"]), summary["validity"]
    assert summary["parameters"]["lattice"]["value"] == "square"
    assert summary["parameters"]["hop_distance"] == {"value": 2.5, "unit": "angstrom"}


def test_warm_cache_reuses_the_barrier(emt_run, tmp_path):
    _, folder = emt_run
    cache = folder.parent / ".cache"
    assert any(cache.rglob("*.pkl")), "the NEB result must be in the content-hash cache"


def _field_study(device_field: bool, kmc_field: str = "1e6 V/m"):
    from scaleweave.bridges.rates.transport import DriftConductivityModel, OhmicConductorModel
    from scaleweave.cases.battery.study import lfp_li_lattice
    from scaleweave.core.study import Study
    from scaleweave.engines.lattice.kmc_model import KMCModel

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
    from scaleweave.cases.battery.study import chain_study, lfp_li_lattice
    from scaleweave.engines.lattice.kmc_model import KMCModel

    lat = lfp_li_lattice((1, 8, 1))
    device = DeviceModel(parameter_set="Prada2013", conductivity_mode="scale",
                         diffusivity_target="positive particle", name="device")
    for n_car in (4, 24):
        kmc = KMCModel(lattice=lat, n_carriers=n_car, n_replicas=4, n_blocks=100, n_samples=200,
                       n_events=20 * 100 * n_car, seed=3, name="kmc")
        st = chain_study(kmc, device, lat.n_sites, n_car)
        for name, value in (("barrier_base", "0.3 eV"), ("barrier_offset", "0 eV"),
                            ("attempt_frequency_base", "1e13 Hz"),
                            ("attempt_frequency_factor", 1.0), ("blocking_factor", 1e-6),
                            ("electrolyte_conductivity", "0.7 S/m")):
            st.bind(name, *{"barrier_base": ("hop.barrier_base",),
                            "barrier_offset": ("hop.barrier_offset",),
                            "attempt_frequency_base": ("hop.attempt_frequency_base",),
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
    ("barrier=-0.1 eV", "'barrier'"),
    ("attempt_frequency=-1 Hz", "'attempt_frequency'"),
    ("lattice=hexagonal", "'lattice'"),
    ("hop_distance=3 angstrom", "'hop_distance' = 3 angstrom does not apply to lattice=crystal"),
    ("hop_distance=3 eV", "'hop_distance'"),
    (("lattice=square", "kmc_cells=2"), "'kmc_cells' = 2 with lattice=square"),
])
def test_bad_input_is_a_config_error(tmp_path, setting, message):
    with pytest.raises(ConfigError, match=message) as info:
        run_case("battery", out=tmp_path, quick=True, quiet=True,
                 overrides=[setting] if isinstance(setting, str) else list(setting))
    assert "\n" not in str(info.value)
    assert not (tmp_path / "battery" / "summary.json").exists()


def test_missing_calculator_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "chgnet", None)  # chgnet not installed
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


def _params(*overrides: str, quick: bool = True):
    from scaleweave.cases.battery import BatteryCase

    return resolve_parameters(BatteryCase.parameters, quick=BatteryCase.quick if quick else None,
                              overrides=list(overrides))


@pytest.mark.parametrize("quick", [False, True])
def test_references_follow_from_the_parameters_without_running(quick):
    from scaleweave.cases.battery import BatteryCase

    refs = {r.name: r for r in BatteryCase().references(_params(quick=quick))}
    dft = refs["CHGNet Li b-channel barrier vs DFT (eV)"]
    assert isinstance(dft, Reference)
    assert (dft.output, dft.expected, dft.tolerance, dft.comparison) == ("barrier", 0.27, 0.1,
                                                                         "abs")
    kmc = refs["kMC collective diffusivity over D0 vs (N - N_c)/(N - 1)"]
    assert isinstance(kmc, Reference)
    # 16 cells x 4 Li sites = 64 sites, round(0.9 x 64) = 58 Li
    assert kmc.output == "collective_diffusivity_over_d0"
    assert kmc.expected == pytest.approx(6 / 63, rel=1e-15)
    assert (kmc.tolerance, kmc.comparison, kmc.sigmas) == (0.0, "abs", 3)
    # the NEB's rate is not an input: skipped; the crystal's geometry is
    assert isinstance(refs[_RATE], SkippedReference) and isinstance(refs[_D0], SkippedReference)
    assert refs[_D0_RATE].expected == pytest.approx((3.005e-10) ** 2 / 3, rel=1e-12)
    assert isinstance(refs[_F_VAC], SkippedReference)  # 1D channels: single file
    assert isinstance(refs[_F_LONE], SkippedReference)  # 58 Li: between the limits
    assert len(refs) == 7


def test_references_of_other_inputs():
    from scaleweave.cases.battery import BatteryCase

    refs = {r.name: r for r in BatteryCase().references(
        _params("calculator=emt", "kmc_cells=4", "concentration=0.5"))}
    assert isinstance(refs["CHGNet Li b-channel barrier vs DFT (eV)"], SkippedReference)
    # 16 sites, 8 Li: (16 - 8)/(16 - 1)
    kmc = refs["kMC collective diffusivity over D0 vs (N - N_c)/(N - 1)"]
    assert kmc.expected == pytest.approx(8 / 15, rel=1e-15)
    refs = {r.name: r for r in BatteryCase().references(
        _params("kmc_cells=2", "concentration=0.01"))}
    assert isinstance(refs["kMC collective diffusivity over D0 vs (N - N_c)/(N - 1)"],
                      SkippedReference)


#: (lattice, z, d, sites per cell) of the standard lattices, from their geometry.
_GEOMETRY = [("square", 4, 2, 1), ("triangular", 6, 2, 1), ("honeycomb", 3, 2, 2),
             ("sc", 6, 3, 1), ("bcc", 8, 3, 2), ("fcc", 12, 3, 4)]


@pytest.mark.parametrize("lattice, z, dim, basis", _GEOMETRY)
def test_references_are_computed_from_the_runs_own_inputs(lattice, z, dim, basis):
    """Issue 13: the rate and D0 closed forms at the run's nu0, barrier, temperature and
    hop distance (not at fixed 1e13 Hz, 0.25 eV, 300 K, 3 A), and the tracer
    correlation factor of the chosen lattice."""
    from scaleweave.cases.battery import BatteryCase

    nu0, ea, offset, temp, a, cells = 4.2e12, 0.41, 0.02, 321.0, 2.7e-10, 6
    p = _params(f"barrier={ea} eV", f"attempt_frequency={nu0} Hz", f"temperature={temp} K",
                f"barrier_offset={offset} eV", "attempt_frequency_factor=1.5",
                f"lattice={lattice}", "hop_distance=2.7 angstrom", f"kmc_cells={cells}")
    refs = {r.name: r for r in BatteryCase().references(p)}
    gamma = 1.5 * nu0 * np.exp(-(ea + offset) * _EV / (_KB * temp))
    rate = refs[_RATE]
    assert (rate.output, rate.comparison, rate.tolerance) == ("hop_rate", "rel", 1e-9)
    assert rate.expected == pytest.approx(gamma, rel=1e-12)
    d0 = refs[_D0]
    assert d0.output == "uncorrelated_diffusivity"
    assert d0.expected == pytest.approx(z * gamma * a**2 / (2 * dim), rel=1e-12)
    n = basis * cells**dim
    assert refs[_KMC].expected == pytest.approx((n - round(0.9 * n)) / (n - 1), rel=1e-12)
    f0 = refs[_F_VAC]
    assert (f0.output, f0.comparison, f0.tolerance, f0.sigmas) == (
        "correlation_factor_one_vacancy", "abs", 0.0, 3)
    assert f0.expected == pytest.approx(_F0[lattice], abs=5e-6)
    assert isinstance(refs[_DFT], SkippedReference) and "given" in refs[_DFT].reason


def test_lone_carrier_correlation_factor_is_one_and_neb_rate_is_skipped():
    from scaleweave.cases.battery import BatteryCase

    # 64 square sites, round(0.01 x 64) = 1 carrier: an uncorrelated walk, f = 1
    refs = {r.name: r for r in BatteryCase().references(
        _params("lattice=square", "kmc_cells=8", "concentration=0.01", "barrier=0.3 eV"))}
    lone = refs[_F_LONE]
    assert isinstance(lone, Reference)
    assert (lone.output, lone.expected, lone.sigmas) == ("correlation_factor", 1.0, 3)
    # a barrier alone: the NEB still gives the prefactor, so the rate is not an input
    assert "attempt_frequency not given" in refs[_RATE].reason
    assert refs[_D0_RATE].expected == pytest.approx(4 * 3.005e-10**2 / 4, rel=1e-12)


@pytest.mark.parametrize("lattice", ["honeycomb", "bcc"])
def test_one_vacancy_run_gives_the_exact_correlation_factor(lattice):
    """The vacancy-mechanism limit the published values refer to: one vacancy on ~4000
    sites (finite-size shift ~1/N = 2.5e-4), within 3 of the run's standard errors."""
    from scaleweave.cases.battery.analysis import _one_vacancy

    out, check = _one_vacancy(lattice, 3e-10, _params(f"lattice={lattice}"), seed=5)
    assert check.ok and check.value >= 100  # hops per atom per block
    assert 0 < out.error < 0.006
    assert abs(out.value - _F0[lattice]) <= 3 * out.error
    assert out.lo < out.value < out.hi


def test_arrhenius_and_random_walk_closed_forms():
    """Issue 6: nu0 = 1e13 Hz, Ea = 0.25 eV, 300 K -> 6.31e8 1/s; D = Gamma a^2/6 with
    a = 3 Angstrom -> 9.47e-8 cm^2/s, through the bridges the chain uses."""
    from scaleweave.bridges.rates.arrhenius import ArrheniusModel
    from scaleweave.bridges.rates.transport import random_walk_diffusivity

    gamma = float(ArrheniusModel().evaluate({"attempt_frequency": 1e13, "barrier": "0.25 eV",
                                             "temperature": 300.0})["hop_rate"])
    assert gamma == pytest.approx(6.31e8, rel=1e-3)
    d = random_walk_diffusivity(gamma, "3 angstrom", 3) * 1e4  # cm^2/s
    assert d == pytest.approx(9.47e-8, rel=1e-3)


def test_the_case_graph_refuses_the_field_at_two_scales():
    """The case's own kMC with the field applied, plus an Ohmic continuum also applying
    'electric_field': refused before anything runs."""
    from scaleweave.bridges.rates.transport import DriftConductivityModel, OhmicConductorModel
    from scaleweave.cases.battery.study import carriers, kmc_settings, lfp_li_lattice
    from scaleweave.core.study import Study
    from scaleweave.engines.lattice.kmc_model import KMCModel

    p = _params()
    lattice = lfp_li_lattice((1, int(p["kmc_cells"]), 1))
    kd = KMCModel(lattice=lattice, seed=0, field_direction=(0.0, 1.0, 0.0), name="kmc_field",
                  **kmc_settings(p, carriers(p, lattice.n_sites)))
    st = Study([kd, DriftConductivityModel(name="drift"), OhmicConductorModel(name="ohmic")])
    for src in ("mobility", "carrier_density"):
        st.connect(f"kmc_field.{src}", f"drift.{src}")
    st.connect("drift.conductivity", "ohmic.conductivity")
    st.set_input("kmc_field.hop_rate", "1e8 1/s")
    st.set_input("kmc_field.temperature", "298 K")
    st.set_input("kmc_field.electric_field", "1e6 V/m")
    st.set_input("ohmic.electric_field", "1e3 V/m")
    with pytest.raises(CouplingError, match=r"double counting.*electric_field"):
        st.check()


def test_device_at_prada_parameters_reproduces_pybamm():
    """The case's device (quick mesh) fed Prada's own diffusivity and conductivity
    against a plain PyBaMM SPMe run of Prada2013 on the same mesh: 0.1% (solver
    tolerance); in fact identical."""
    import pybamm

    from scaleweave.adapters.pybamm_device import pybamm_discharge
    from scaleweave.cases.battery.study import studies

    device = studies(_params("calculator=emt"), quick=True, seed=0)["battery"].models["device"]
    ours = device.evaluate({"diffusivity": device.reference_diffusivity,
                            "conductivity": device.reference_conductivity})
    params = pybamm.ParameterValues("Prada2013")
    params.update({"Current function [A]": "[input]"})
    sim = pybamm.Simulation(pybamm.lithium_ion.SPMe(), parameter_values=params,
                            var_pts=device.mesh)
    for j, c in enumerate(device.c_rates):
        sol = sim.solve([0.0, 1.5 * 3600.0 / c],
                        inputs={"Current function [A]": c * device.nominal_capacity})
        ref = pybamm_discharge(sol, device.n_points)["capacity"]
        assert float(ours["capacity"][j]) / 3600.0 == pytest.approx(ref, rel=1e-3)
    assert device.c_rates == (1.0, 3.0)


def test_the_wiring_runs_nothing_and_takes_the_barrier_from_the_neb():
    from scaleweave.cases.base import Upstream
    from scaleweave.cases.battery import BatteryCase
    from scaleweave.cases.context import RunContext

    built = BatteryCase().studies(_params("calculator=emt"), RunContext(quick=True))
    assert list(built) == ["neb", "battery"]
    chain = built["battery"]
    assert chain.parameter_values["barrier_base"] == Upstream("neb", "barrier.barrier")
    assert chain.parameter_values["attempt_frequency_base"] == Upstream(
        "neb", "barrier.attempt_frequency")
    assert chain.bindings["electrolyte_conductivity"] == ("device.conductivity",)
    # a given barrier replaces the NEB's; with the attempt frequency given too, no NEB
    ctx = RunContext(quick=True)
    only = BatteryCase().studies(_params("barrier=0.27 eV"), ctx)
    assert list(only) == ["neb", "battery"]
    values = only["battery"].parameter_values
    assert values["barrier_base"].to("eV").magnitude == pytest.approx(0.27)
    assert values["attempt_frequency_base"] == Upstream("neb", "barrier.attempt_frequency")
    both = BatteryCase().studies(_params("barrier=0.27 eV", "attempt_frequency=1e13 Hz"), ctx)
    assert list(both) == ["battery"]
    assert both["battery"].parameter_values["attempt_frequency_base"].to("Hz").magnitude == 1e13
    assert BatteryCase().sampling("battery", _params()).sobol == {
        "capacity_3C": "cell.capacity_3C"}


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
