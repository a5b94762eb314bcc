"""Transport bridge: MSD fits, Nernst-Einstein with units, and the field applied at one scale.

Sources: Einstein (1905) for ``D = <r^2> / (2 d t)`` and ``mu = q D / kT``;
Nernst-Einstein ``sigma = n q^2 D_sigma / kT`` with the collective diffusivity
(Murch 1982, Solid State Ionics 7, 177). The two routes to ``sigma`` (drift under a
field at the kMC scale; zero-field ``D_sigma`` with the field applied by the
continuum) must agree within their error bars, and a study applying the field at
both scales is refused (issue 6, "no double counting").
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleweave.bridges.rates.transport import (
    DriftConductivityModel,
    NernstEinsteinModel,
    OhmicConductorModel,
    diffusivity_from_msd,
    drift_conductivity,
    linear_response_validity,
    nernst_einstein_conductivity,
    random_walk_diffusivity,
)
from scaleweave.core.constants import BOLTZMANN, ELEMENTARY_CHARGE
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity
from scaleweave.engines.lattice.kmc import KMCModel
from scaleweave.engines.lattice.sites import standard_lattice
from scaleweave.errors import ConfigError, CouplingError

A, W, T = 3e-10, 1e9, 300.0
KT_OVER_Q = BOLTZMANN * T / ELEMENTARY_CHARGE


def test_msd_fit_recovers_slope_and_ignores_intercept():
    t = np.linspace(0, 2.0, 41)
    d = 2.5e-12
    msd = 4 * d * t + 3e-20  # 2D with a short-time offset
    est, err = diffusivity_from_msd(t, msd, 2, t_min=0.5)
    assert est == pytest.approx(d, rel=1e-12) and err < 1e-20
    with pytest.raises(ConfigError, match="fewer than 2"):
        diffusivity_from_msd(t, msd, 2, t_min=5.0)
    with pytest.raises(ConfigError, match="equal length"):
        diffusivity_from_msd(t, msd[:-1], 2)


def test_random_walk_and_nernst_einstein_with_units():
    d = random_walk_diffusivity(Quantity(6.0, "GHz"), Quantity(3.0, "angstrom"), 3)
    assert d == pytest.approx(6e9 * 9e-20 / 6)
    s = nernst_einstein_conductivity(Quantity(1e22, "1/cm**3"), Quantity(1e-8, "cm**2/s"),
                                     Quantity(300, "K"))
    expected = 1e28 * ELEMENTARY_CHARGE**2 * 1e-12 / (BOLTZMANN * 300)
    assert s == pytest.approx(expected, rel=1e-12)
    assert nernst_einstein_conductivity(1e28, 1e-12, 300, charge_number=2) == pytest.approx(
        4 * expected)
    with pytest.raises(ConfigError, match="temperature must be positive"):
        nernst_einstein_conductivity(1e28, 1e-12, -5.0)
    with pytest.raises(ConfigError):
        nernst_einstein_conductivity("1e28 m", 1e-12, 300.0)  # wrong dimension


def test_einstein_relation_links_the_two_conductivities():
    n, d = 2e27, 3e-11
    mu = ELEMENTARY_CHARGE * d / (BOLTZMANN * T)
    assert drift_conductivity(n, mu) == pytest.approx(nernst_einstein_conductivity(n, d, T))


def test_linear_response_validity():
    assert linear_response_validity(0.1 * KT_OVER_Q / A, A, T).ok
    assert not linear_response_validity(10 * KT_OVER_Q / A, A, T).ok


@given(n=st.floats(1e20, 1e30), d=st.floats(1e-16, 1e-6), temp=st.floats(10.0, 3000.0),
       k=st.floats(0.1, 10.0))
def test_nernst_einstein_is_linear_in_density_and_diffusivity(n, d, temp, k):
    s = nernst_einstein_conductivity(n, d, temp)
    assert s >= 0
    assert nernst_einstein_conductivity(k * n, d, temp) == pytest.approx(k * s, rel=1e-9)
    assert nernst_einstein_conductivity(n, k * d, temp) == pytest.approx(k * s, rel=1e-9)


# ------------------------------------------------------- the field at one scale only
def _kmc(name: str) -> KMCModel:
    lat = standard_lattice("simple_cubic", 10, A)
    return KMCModel(lattice=lat, concentration=0.3, n_events=200_000, n_replicas=4, n_blocks=50,
                    seed=21, name=name)


FIELD = 0.1 * KT_OVER_Q / A  # q E a / kT = 0.1: linear response


def _field_at_kmc(extra_continuum: bool = False) -> Study:
    study = Study([_kmc("kmc"), DriftConductivityModel(name="sigma")])
    for port in ("carrier_density", "mobility", "mobility_err"):
        study.connect(f"kmc.{port}", f"sigma.{port}")
    study.set_input("kmc.hop_rate", Quantity(W, "Hz"))
    study.set_input("kmc.temperature", Quantity(T, "K"))
    study.set_input("kmc.electric_field", Quantity(FIELD, "V/m"))
    if extra_continuum:
        study.add(OhmicConductorModel(name="cell"))
        study.connect("sigma.conductivity", "cell.conductivity")
        study.set_input("cell.electric_field", Quantity(FIELD, "V/m"))
    return study


def _field_at_continuum() -> Study:
    study = Study([_kmc("kmc"), NernstEinsteinModel(name="sigma"),
                   OhmicConductorModel(name="cell")])
    for port in ("carrier_density", "collective_diffusivity", "collective_diffusivity_err"):
        study.connect(f"kmc.{port}", f"sigma.{port}")
    study.connect("sigma.conductivity", "cell.conductivity")
    study.set_input("kmc.hop_rate", Quantity(W, "Hz"))
    study.set_input("kmc.temperature", Quantity(T, "K"))
    study.set_input("sigma.temperature", Quantity(T, "K"))
    study.set_input("cell.electric_field", Quantity(FIELD, "V/m"))
    return study


def test_field_applied_at_two_scales_is_refused():
    study = _field_at_kmc(extra_continuum=True)
    problems = study.validate()
    assert len(problems) == 1
    assert problems[0].startswith("double counting: driving force 'electric_field'")
    assert "'kmc'" in problems[0] and "'cell'" in problems[0]
    with pytest.raises(CouplingError, match="double counting"):
        study.run()
    # An explicit zero field at the kMC scale does not apply it: then the graph is fine.
    ok = _field_at_continuum()
    ok.set_input("kmc.electric_field", 0.0)
    assert ok.validate() == []


def test_either_way_alone_gives_the_same_conductivity():
    a, b = _field_at_kmc(), _field_at_continuum()
    assert a.validate() == [] and b.validate() == []
    ra, rb = a.run(), b.run()
    sa = ra["sigma.conductivity"].to("S/m").magnitude
    sa_err = ra["sigma.conductivity_err"].to("S/m").magnitude
    sb = rb["sigma.conductivity"].to("S/m").magnitude
    sb_err = rb["sigma.conductivity_err"].to("S/m").magnitude
    print(f"sigma: drift {sa:.4g} +- {sa_err:.2g} S/m, Nernst-Einstein {sb:.4g} +- "
          f"{sb_err:.2g} S/m")
    assert sa_err < 0.1 * sa and sb_err < 0.1 * sb
    # The linear-response diagnostic comes with the run's result, not on the model.
    (va,) = [v for v in ra.validity if v.bridge == "kmc"]
    (vb,) = [v for v in rb.validity if v.bridge == "kmc"]
    assert va.ok and 0 < va.value <= 0.1 and vb.value == 0.0
    assert abs(sa - sb) < 4 * math.hypot(sa_err, sb_err)
    # And the continuum's current is sigma E.
    j = rb["cell.current_density"].to("A/m**2").magnitude
    assert j == pytest.approx(sb * FIELD)
    # The lattice-gas reference: D_sigma = D0 (1 - c) on any lattice with site exclusion.
    d0 = W * A**2  # simple cubic: z w a^2 / (2 d) = w a^2
    n = rb["kmc.carrier_density"].to("1/m**3").magnitude
    exact = nernst_einstein_conductivity(n, d0 * 0.7, T)
    assert abs(sb - exact) < 4 * sb_err


def test_models_vectorized():
    ne = NernstEinsteinModel()
    out = ne.evaluate({"carrier_density": np.array([1e27, 2e27]),
                       "collective_diffusivity": np.array([1e-12, 1e-12]),
                       "collective_diffusivity_err": np.zeros(2),
                       "temperature": np.array([300.0, 300.0])}, batch=2)
    assert out["conductivity"][1] == pytest.approx(2 * out["conductivity"][0])
    np.testing.assert_array_equal(out["conductivity_err"], 0.0)
    drift = DriftConductivityModel().evaluate({"carrier_density": 1e28, "mobility": 1e-9})
    assert drift["conductivity"] == pytest.approx(1e28 * ELEMENTARY_CHARGE * 1e-9)


def test_arrhenius_kmc_nernst_einstein_chain_through_a_study():
    # The battery chain's middle: barrier -> hop rate -> kMC -> conductivity, with one
    # temperature parameter feeding every scale.
    from scaleweave.bridges.rates.arrhenius import ArrheniusModel, arrhenius_rate

    lat = standard_lattice("simple_cubic", 8, A)
    study = Study([ArrheniusModel(name="rate"),
                   KMCModel(lattice=lat, concentration=0.25, n_events=100_000, n_replicas=4,
                            n_blocks=50, seed=2, name="kmc"),
                   NernstEinsteinModel(name="sigma")])
    study.connect("rate.hop_rate", "kmc.hop_rate")
    for port in ("carrier_density", "collective_diffusivity", "collective_diffusivity_err"):
        study.connect(f"kmc.{port}", f"sigma.{port}")
    study.bind("temperature", "rate.temperature", "kmc.temperature", "sigma.temperature",
               value="300 K")
    study.set_input("rate.attempt_frequency", "1e13 Hz")
    study.set_input("rate.barrier", "0.25 eV")
    assert study.validate() == []
    out = study.run()
    w = arrhenius_rate("1e13 Hz", "0.25 eV", "300 K")
    n = 0.25 * lat.n_sites / lat.volume
    exact = nernst_einstein_conductivity(n, w * A**2 * 0.75, T)  # D_sigma = D0 (1 - c)
    sigma = out["sigma.conductivity"].to("S/m").magnitude
    err = out["sigma.conductivity_err"].to("S/m").magnitude
    assert err < 0.1 * sigma and abs(sigma - exact) < 4 * err


def test_fick_diffusivity_of_the_lattice_gas_is_the_single_particle_one():
    # Kutner (1981): D_sigma = D0 (N - N_c)/(N - 1) exactly, so D_chem = D_sigma x factor = D0.
    from scaleweave.bridges.rates.transport import (
        FickDiffusivityModel,
        lattice_gas_thermodynamic_factor,
    )

    d0, n, nc = 3.0e-14, 64, 24
    d_sigma = d0 * (n - nc) / (n - 1)
    out = FickDiffusivityModel(n_sites=n, n_carriers=nc).evaluate(
        {"collective_diffusivity": np.array([d_sigma, 2 * d_sigma]),
         "blocking_factor": np.array([1e-5, 1.0])}, batch=2)
    np.testing.assert_allclose(out["chemical_diffusivity"], [d0, 2 * d0], rtol=1e-14)
    np.testing.assert_allclose(out["particle_diffusivity"], [1e-5 * d0, 2 * d0], rtol=1e-14)
    assert lattice_gas_thermodynamic_factor(10_001, 5_001) == pytest.approx(2.0, rel=1e-3)
    with pytest.raises(ConfigError, match="carriers < sites"):
        lattice_gas_thermodynamic_factor(10, 10)
