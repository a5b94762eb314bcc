"""Units at the boundary: parsing, SI conversion, dimension errors."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scaleweave.core.units import from_si, parse_quantity, si_unit, to_si
from scaleweave.errors import UnitError


def test_ev_to_joule_exact():
    # CODATA 2018: 1 eV = 1.602176634e-19 J exactly.
    assert to_si(1.0, "eV", "J", where="x") == pytest.approx(1.602176634e-19, rel=1e-15)


def test_offset_temperature():
    assert to_si(25.0, "degC", "K", where="x") == pytest.approx(298.15)
    assert from_si(298.15, "degC") == pytest.approx(25.0)


def test_wrong_dimension_names_place_and_units():
    with pytest.raises(UnitError, match=r"model 'kmc' input 'barrier'.*kg.*\[mass\].*eV"):
        to_si(3.0, "kg", "eV", where="model 'kmc' input 'barrier'")


def test_parse_quantity_bare_number_uses_default_unit():
    assert parse_quantity("3", "m").to("m").magnitude == 3
    assert parse_quantity(2.5, "s").to("ms").magnitude == pytest.approx(2500)
    assert parse_quantity("0.5 fs", "s").to("s").magnitude == pytest.approx(5e-16)


@pytest.mark.parametrize("bad", ["", "3 furlongz", "abc", "1 +"])
def test_parse_quantity_rejects_garbage(bad):
    with pytest.raises(UnitError):
        parse_quantity(bad, "m")


def test_si_unit_text():
    assert si_unit("eV") != ""
    assert si_unit("dimensionless") == ""


@given(st.floats(min_value=-1e12, max_value=1e12, allow_nan=False),
       st.sampled_from(["eV", "kJ/mol", "fs", "angstrom", "S/cm", "degC", "bar"]))
def test_si_round_trip(value, unit):
    back = from_si(to_si(value, unit, unit, where="x"), unit)
    assert math.isclose(back, value, rel_tol=1e-12, abs_tol=1e-9)


@pytest.mark.parametrize(("text", "magnitude", "unit"), [
    ("1e6 1/(M*s)", 1e6, "1/(M*s)"),  # a unit starting with a digit after an exponent
    ("2.5e-3 m", 2.5e-3, "m"),
    ("5eV", 5.0, "eV"),
])
def test_parse_quantity_exponent_is_not_split_into_the_unit(text, magnitude, unit):
    q = parse_quantity(text, "")
    assert q.to(unit).magnitude == pytest.approx(magnitude)


@pytest.mark.parametrize("text", ["(1,0)", "[9, 0.5]", "{1}", "1 m, 2 m"])
def test_text_written_as_a_list_is_refused_not_multiplied(text):
    # Regression: pint read "(1,0)" as 10 and "[9, 0.5]" as 4.5.
    with pytest.raises(UnitError, match="written as a list of values"):
        parse_quantity(text, "s")


@pytest.mark.parametrize("text", ["10**400", "9**9**9", "2**100000"])
def test_huge_powers_fail_at_once(text):
    # Regression: "10**400" was an int no float holds; "9**9**9" never finished.
    with pytest.raises(UnitError, match="too large for a float"):
        parse_quantity(text, "")


def test_arrays_and_lists_are_arrays_in_the_default_unit():
    # Regression: an array was read through its text, "[1. 2.]", as the product 2.0.
    import numpy as np

    assert list(parse_quantity(np.array([1.0, 2.0]), "m").to("m").magnitude) == [1.0, 2.0]
    assert list(parse_quantity([1, 2], "s").to("ms").magnitude) == [1000.0, 2000.0]


def test_unit_expressions_after_a_number():
    assert parse_quantity("1/m^3", "").to("1/m^3").magnitude == pytest.approx(1.0)
    assert parse_quantity("2^10", "s").to("s").magnitude == pytest.approx(1024.0)
    assert parse_quantity("10**3 m", "").to("m").magnitude == pytest.approx(1000.0)
