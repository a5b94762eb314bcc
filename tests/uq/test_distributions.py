"""Uncertain parameters: parsing with units, quantiles, kinds, bad input."""

import math

import numpy as np
import pytest
from scipy import stats

from scaleweave.core.distributions import (
    Interval,
    LogNormal,
    Normal,
    Truncated,
    Uniform,
    parse_distribution,
)
from scaleweave.core.parameters import Parameter, resolve_parameters
from scaleweave.errors import ConfigError, UnitError

EV = 1.602176634e-19


def test_parse_normal_with_compatible_units():
    d = parse_distribution("normal(250 meV, 0.02 eV) epistemic", "eV")
    assert isinstance(d, Normal) and d.kind == "epistemic"
    assert (d.mean, d.sd) == pytest.approx((0.25, 0.02))
    # Quantiles in SI: the 84.13% quantile is mean + sd.
    assert d.ppf(stats.norm.cdf(1.0)) == pytest.approx(0.27 * EV, rel=1e-12)


def test_molar_energy_converts_per_particle():
    d = parse_distribution("normal(24.1 kJ/mol, 1 kJ/mol) epistemic", "eV")
    assert d.mean == pytest.approx(24.1e3 / 6.02214076e23 / EV, rel=1e-9)


@pytest.mark.parametrize("text,cls", [
    ("lognormal(20 um, 0.3) aleatory", LogNormal),
    ("uniform(1 um, 2 um)", Uniform),
    ("interval(1 um, 2 um)", Interval),
    ("truncated(normal(1 um, 1 um), 0 um, 3 um) aleatory", Truncated),
])
def test_kinds_of_distribution(text, cls):
    d = parse_distribution(text, "um")
    assert isinstance(d, cls)
    u = np.linspace(0.01, 0.99, 50)
    x = d.ppf(u)
    assert np.all(np.diff(x) > 0)  # quantile functions increase
    assert np.allclose(d.cdf(x), u, atol=1e-9)


def test_lognormal_median_and_quantiles():
    d = LogNormal(2.0, 0.5, unit="", kind="aleatory")
    assert d.nominal() == pytest.approx(2.0)
    assert d.ppf(stats.norm.cdf(1.0)) == pytest.approx(2.0 * math.exp(0.5))


def test_truncated_normal_matches_scipy():
    d = parse_distribution("truncated(normal(1, 0.5), 0.1, 3) epistemic", "")
    ref = stats.truncnorm((0.1 - 1) / 0.5, (3 - 1) / 0.5, loc=1, scale=0.5)
    u = np.array([0.05, 0.3, 0.5, 0.9])
    assert np.allclose(d.ppf(u), ref.ppf(u), rtol=1e-9)


@pytest.mark.parametrize("text,match", [
    ("normal(1 eV, -0.1 eV)", "standard deviation must be a positive"),
    ("uniform(2 eV, 1 eV)", "needs lo < hi"),
    ("interval(2 eV, 1 eV)", "needs lo < hi"),
    ("normol(1 eV, 2 eV)", "unknown distribution 'normol'; did you mean 'normal'"),
    ("normal(1 eV, 0.1 eV) aleatoric", "unknown tag 'aleatoric'"),
    ("interval(0 eV, 1 eV) aleatory", "can only be epistemic"),
    ("normal(1 eV)", r"normal\(\) takes 2 arguments \(mean, sd\), got 1"),
    ("lognormal(-1 eV, 0.2)", "median must be positive"),
    ("truncated(normal(0 eV, 1 eV), 50 eV, 60 eV)", "holds no probability"),
])
def test_impossible_distributions(text, match):
    with pytest.raises(ConfigError, match=match):
        parse_distribution(text, "eV", where="parameter 'barrier'")


def test_wrong_dimension_in_distribution():
    with pytest.raises(UnitError, match=r"parameter 'barrier'.*kg"):
        parse_distribution("normal(1 kg, 0.1 kg)", "eV", where="parameter 'barrier'")


PARAMS = (
    Parameter("barrier", 0.3, "eV", uncertain=True),
    Parameter("fraction", 0.1, "", low=0.0, high=1.0, uncertain=True),
    Parameter("n", 10, "", low=1, integer=True),
)


def test_set_a_parameter_to_a_distribution():
    v = resolve_parameters(PARAMS, overrides=["barrier=normal(0.25 eV, 0.02 eV) epistemic"])
    d = v.uncertain["barrier"]
    assert d.kind == "epistemic"
    assert v["barrier"] == pytest.approx(0.25 * EV)  # nominal = median, SI
    assert v.as_dict()["barrier"]["distribution"] == "normal(0.25 eV, 0.02 eV)"


def test_toml_distribution_and_range_check():
    v = resolve_parameters(PARAMS, config={"fraction": "uniform(0.1, 0.2) aleatory"})
    assert v.uncertain["fraction"].kind == "aleatory"
    with pytest.raises(ConfigError, match="reaches outside the valid range"):
        resolve_parameters(PARAMS, overrides=["fraction=normal(0.5, 0.1) aleatory"])
    with pytest.raises(ConfigError, match="whole number; it cannot be given a distribution"):
        resolve_parameters(PARAMS, overrides=["n=uniform(1, 5)"])


@pytest.mark.parametrize("text,match", [
    # Regression: a NaN mean blamed the standard deviation ("got 1").
    ("normal(nan, 1)", "the mean must be a finite number, got nan"),
    ("normal(1, nan)", "the standard deviation must be a positive finite number, got nan"),
    # Regression: an infinite bound said "needs lo < hi".
    ("interval(0, inf)", "the bounds must be finite numbers, got hi=inf"),
    ("uniform(-inf, 1)", "the bounds must be finite numbers, got lo=-inf"),
    ("lognormal(inf, 0.3)", "the median must be positive and finite, got inf"),
    ("truncated(normal(0, 1), nan, 1)", "the bounds must be numbers, got lo=nan"),
])
def test_messages_blame_the_argument_at_fault(text, match):
    with pytest.raises(ConfigError, match=match):
        parse_distribution(text, "", where="parameter 'x'")


def test_one_sided_truncation_is_allowed():
    d = parse_distribution("truncated(normal(1, 1), 0, inf)", "")
    assert d.support() == (0.0, math.inf)


def test_default_kind_is_epistemic():
    assert Normal(0.0, 1.0).kind == "epistemic"
    assert parse_distribution("normal(0, 1)").kind == "epistemic"


def test_a_distribution_without_a_unit_is_in_the_inputs_unit():
    # One rule with bare numbers: LogNormal(20, 0.3) for an input in um is 20 um.
    d = LogNormal(20.0, 0.3).in_unit("um")
    assert d.unit == "um" and d.nominal() == pytest.approx(20e-6)
    t = Truncated(Normal(1.0, 0.5), 0.0, 3.0).in_unit("eV")
    assert t.unit == t.base.unit == "eV" and t.ppf(1.0) == pytest.approx(3 * EV)
    assert Normal(1.0, 0.1, unit="mm").in_unit("m").unit == "mm"  # its own unit is kept


@pytest.mark.parametrize("dist", [LogNormal(20.0, 0.3, unit="eV"),
                                  Normal(28.9, 1.0, unit="kJ/mol")])
def test_a_distribution_of_another_dimension_is_refused(dist):
    with pytest.raises(UnitError, match=r"parameter 'grain': .* but the input is in"):
        dist.in_unit("um" if dist.unit == "eV" else "eV", where="parameter 'grain'")


def test_propagate_reads_a_unitless_distribution_in_the_ports_unit():
    # Regression: LogNormal(20, 0.3) on a parameter in um was read as 20 m.
    from scaleweave.core.model import model_from_function
    from scaleweave.core.study import Study
    from scaleweave.uq.propagate import propagate

    m = model_from_function(lambda grain: {"area": grain**2}, inputs={"grain": "um"},
                            outputs={"area": "um^2"}, name="g", vectorized=True)
    study = Study([m]).bind("grain", "g.grain", value=20.0)
    res = propagate(study, {"grain": LogNormal(20.0, 0.3, kind="aleatory")}, n=64)
    median = float(np.median(res.dataset["g.grain"].values))
    assert median == pytest.approx(20e-6, rel=0.1)
    with pytest.raises(UnitError, match="uncertain parameter 'grain'"):
        propagate(study, {"grain": LogNormal(20.0, 0.3, unit="s", kind="aleatory")}, n=64)


def test_lognormal_suits_a_parameter_that_must_be_positive():
    # Regression: its support's 0, a value it never takes, "reached outside > 0".
    p = Parameter("k", 1.0, "1/s", low=0.0, low_open=True, uncertain=True)
    assert isinstance(p.convert_uncertain("lognormal(1 1/s, 0.3) aleatory"), LogNormal)
    with pytest.raises(ConfigError, match="reaches outside the valid range"):
        p.convert_uncertain("uniform(0 1/s, 1 1/s)")  # takes 0
