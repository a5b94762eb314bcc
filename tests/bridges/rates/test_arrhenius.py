"""Arrhenius bridge: the issue's reference rate and diffusivity, validity, bad input.

Reference (issue 6): nu0 = 1e13 Hz, Ea = 0.25 eV, T = 300 K gives Gamma = 6.31e8 1/s
(1e13 exp(-0.25 / 0.025852)); uncorrelated 3D hopping with a = 3 Angstrom gives
D = Gamma a^2 / (2 d) = 9.47e-8 cm^2/s (Einstein 1905; e.g. Mehrer, Diffusion in
Solids, 2007, eq. 7.9 with f = 1).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleweave.bridges.rates.arrhenius import (
    ArrheniusModel,
    arrhenius_rate,
    arrhenius_validity,
    barrier_over_kt,
)
from scaleweave.bridges.rates.transport import random_walk_diffusivity
from scaleweave.core.constants import ELEMENTARY_CHARGE
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity
from scaleweave.errors import ConfigError, ValidityError, ValidityWarning

EV = ELEMENTARY_CHARGE


def test_reference_rate_and_diffusivity():
    rate = arrhenius_rate(1e13, 0.25 * EV, 300.0)
    assert rate == pytest.approx(6.31e8, rel=2e-3)
    d = random_walk_diffusivity(rate, 3e-10, 3)  # m^2/s
    assert d * 1e4 == pytest.approx(9.47e-8, rel=2e-3)  # cm^2/s


def test_quantities_at_the_boundary():
    rate = arrhenius_rate(Quantity(10, "THz"), Quantity(24.12, "kJ/mol"), "300 K")
    assert rate == pytest.approx(6.31e8, rel=5e-3)  # 24.12 kJ/mol = 0.25 eV
    assert arrhenius_rate("1e13 Hz", "0.25 eV", Quantity(26.85, "degC")) == pytest.approx(
        6.31e8, rel=2e-3)


def test_model_ports_and_vectorized_batch():
    m = ArrheniusModel()
    out = m.evaluate({"attempt_frequency": Quantity(1e13, "Hz"),
                      "barrier": Quantity(0.25, "eV"), "temperature": Quantity(300, "K")})
    assert out["hop_rate"] == pytest.approx(6.31e8, rel=2e-3)
    assert out["barrier_over_kT"] == pytest.approx(9.670, rel=1e-3)
    (check,) = m.diagnose(out)
    assert check.ok and check.value == pytest.approx(9.670, rel=1e-3) and check.limit == 3.0
    batch = m.evaluate({"attempt_frequency": np.full(3, 1e13),
                        "barrier": np.array([0.2, 0.25, 0.3]) * EV,
                        "temperature": np.full(3, 300.0)}, batch=3)
    assert np.all(np.diff(batch["hop_rate"]) < 0)


def test_validity_below_three_kt():
    # Recorded by default (no warning); the caller's policy may warn or raise.
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        check = arrhenius_validity(0.05 * EV, 300.0)
    assert not check.ok and check.value == pytest.approx(1.934, rel=1e-3)
    assert check.as_dict()["sense"] == "ge"
    assert (check.bridge, check.diagnostic) == ("arrhenius", "barrier over kT (Ea/kT)")
    with pytest.warns(ValidityWarning, match=r"'arrhenius': barrier over kT \(Ea/kT\) = 1.934 "
                                             "is below its limit 3"):
        assert arrhenius_validity(0.05 * EV, 300.0, validity="warn") == check
    with pytest.raises(ValidityError, match="Ea/kT"):
        arrhenius_validity(0.05 * EV, 300.0, validity="raise")
    with pytest.raises(ConfigError, match="validity policy"):
        arrhenius_validity(0.05 * EV, 300.0, validity="loud")
    # The model itself does not warn; a study's validity policy decides.
    low = {"attempt_frequency": 1e13, "barrier": 0.05 * EV, "temperature": 300.0}
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        out = ArrheniusModel().evaluate(low)
    assert not ArrheniusModel().diagnose(out)[0].ok
    study = Study([ArrheniusModel(name="rate")])
    for port, value in low.items():
        study.set_input(f"rate.{port}", value)
    assert not study.run().validity[0].ok  # "record", the default
    with pytest.warns(ValidityWarning, match="model 'rate': barrier over kT"):
        study.run(validity="warn")
    with pytest.raises(ValidityError, match="is below its limit 3"):
        study.run(validity="raise")
    worst = ArrheniusModel(limit=5.0).diagnose(
        ArrheniusModel().evaluate({k: np.full(3, v) * ([1, 2, 3] if k == "barrier" else 1)
                                   for k, v in low.items()}, batch=3))[0]
    assert worst.value == pytest.approx(1.934, rel=1e-3) and worst.limit == 5.0
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert arrhenius_validity(0.25 * EV, 300.0, validity="raise").ok


@pytest.mark.parametrize("temperature", [-300.0, 0.0, float("nan")])
def test_bad_temperature_is_a_config_error(temperature):
    with pytest.raises(ConfigError, match="temperature must be positive"):
        arrhenius_rate(1e13, 0.25 * EV, temperature)
    with pytest.raises(ConfigError):
        barrier_over_kt(0.25 * EV, temperature)


def test_bad_attempt_frequency_and_units():
    with pytest.raises(ConfigError, match="attempt frequency"):
        arrhenius_rate(-1.0, 0.25 * EV, 300.0)
    with pytest.raises(ConfigError):  # UnitError is a ConfigError
        arrhenius_rate(1e13, "0.25 m", 300.0)


@given(ea=st.floats(0.0, 2.0), t1=st.floats(50.0, 2000.0), t2=st.floats(50.0, 2000.0))
def test_rate_is_monotonic_in_temperature_and_bounded_by_nu0(ea, t1, t2):
    r1, r2 = arrhenius_rate(1e13, ea * EV, t1), arrhenius_rate(1e13, ea * EV, t2)
    assert r1 <= 1e13 * (1 + 1e-12) and r2 <= 1e13 * (1 + 1e-12)
    if t1 < t2:
        assert r1 <= r2 * (1 + 1e-12)
