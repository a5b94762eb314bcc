"""Case parameters from defaults, TOML and --set: units, ranges, suggestions."""

import pytest

from scaleweave.core.parameters import Parameter, read_config, resolve_parameters
from scaleweave.errors import ConfigError, UnitError

PARAMS = (
    Parameter("macro_dt", 0.5, "s", low=0.0, low_open=True),
    Parameter("substeps", 10, "", low=1, integer=True),
    Parameter("stiff_fraction", 0.1, "", low=0.0, high=1.0),
    Parameter("barrier", 0.3, "eV"),
)


def test_defaults_and_si():
    v = resolve_parameters(PARAMS)
    assert v["macro_dt"] == 0.5 and v["substeps"] == 10
    assert v["barrier"] == pytest.approx(0.3 * 1.602176634e-19)
    assert v.as_dict()["barrier"] == {"value": 0.3, "unit": "eV"}


def test_set_with_units_converts():
    v = resolve_parameters(PARAMS, overrides=['macro_dt="250 ms"', "barrier=28.9 kJ/mol"])
    assert v["macro_dt"] == pytest.approx(0.25)
    assert v.given["macro_dt"] == pytest.approx(0.25)
    assert v.given["barrier"] == pytest.approx(0.2995, rel=1e-3)  # 28.9 kJ/mol in eV


def test_wrong_dimension():
    with pytest.raises(UnitError, match=r"parameter 'macro_dt'.*3 kg.*\[mass\].*expects s"):
        resolve_parameters(PARAMS, overrides=["macro_dt=3 kg"])


@pytest.mark.parametrize("text,match", [
    ("macro_dt=-0.1", "out of range: must be > 0 s"),
    ("stiff_fraction=1.5", r"out of range: must be in \[0, 1\]"),
    ("substeps=0", "out of range: must be >= 1"),
    ("substeps=2.5", "whole number"),
])
def test_out_of_range(text, match):
    with pytest.raises(ConfigError, match=match):
        resolve_parameters(PARAMS, overrides=[text])


def test_unknown_parameter_suggests():
    with pytest.raises(ConfigError, match=r"unknown parameter 'macro_td'.*did you mean 'macro_dt'"):
        resolve_parameters(PARAMS, overrides=["macro_td=1"])
    with pytest.raises(ConfigError, match=r"unknown parameter 'substep' \(cfg.toml\)"):
        resolve_parameters(PARAMS, config={"substep": 3}, config_origin="cfg.toml")


def test_set_needs_equals():
    with pytest.raises(ConfigError, match="NAME=VALUE"):
        resolve_parameters(PARAMS, overrides=["macro_dt"])


def test_layers_in_order(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text('[parameters]\nmacro_dt = "0.2 s"\nsubsteps = 4\n')
    v = resolve_parameters(PARAMS, quick={"substeps": 2}, config=read_config(cfg),
                           overrides=["substeps=6"])
    assert v["macro_dt"] == pytest.approx(0.2) and v["substeps"] == 6
    assert v.sources == {"macro_dt": "config", "substeps": "--set",
                         "stiff_fraction": "default", "barrier": "default"}


def test_malformed_toml_names_file_and_line(tmp_path):
    cfg = tmp_path / "bad.toml"
    cfg.write_text('macro_dt = "0.5 s"\nsubsteps = = 3\n')
    with pytest.raises(ConfigError, match=r"bad.toml.*line 2"):
        read_config(cfg)


def test_missing_config_file(tmp_path):
    with pytest.raises(ConfigError, match="cannot read configuration"):
        read_config(tmp_path / "nope.toml")


@pytest.mark.parametrize("text,match", [
    # Regressions: pint read these as 10 and 4.5 s.
    ("substeps=(1,0)", r"substeps' \(--set\) = '\(1,0\)' is a list of values, but it takes a "
                       r"single value \(e.g. substeps=10\)"),
    ("macro_dt=[9, 0.5]", r"is a list of values, but it takes a single value \(e.g. "
                          r"macro_dt='0.5 s'\)"),
    # Regression: an OverflowError (exit 1) from math.isfinite.
    ("substeps=10**400", "too large for a float"),
    ("substeps=1e400", "must be a finite number"),
])
def test_one_value_per_parameter(text, match):
    with pytest.raises(ConfigError, match=match):
        resolve_parameters(PARAMS, overrides=[text])


@pytest.mark.parametrize("value,match", [
    ([1, 2], "is a list of 2 values, but it takes a single value"),  # was read as 2 s
    ((1, 2), "is a list of 2 values"),
    ({"a": 1}, "is a table"),
    ([[1, 2], [3, 4]], r"an array of shape \(2, 2\)"),
    (10**400, r"\(401 characters\) must be a finite number \(at most 1.8e308\)"),
], ids=["list", "tuple", "table", "array", "huge-int"])
def test_config_values_that_are_not_one_value(value, match):
    with pytest.raises(ConfigError, match=match):
        resolve_parameters(PARAMS, config={"macro_dt" if not isinstance(value, int)
                                           else "substeps": value}, config_origin="c.toml")


def test_toml_list_is_refused(tmp_path):
    cfg = tmp_path / "c.toml"
    cfg.write_text("macro_dt = [1, 2]\n")
    with pytest.raises(ConfigError, match=r"'macro_dt' \(c.toml\) = \[1, 2\] is a list of 2"):
        resolve_parameters(PARAMS, config=read_config(cfg), config_origin="c.toml")


def test_numpy_scalars_are_numbers():
    import numpy as np

    v = resolve_parameters(PARAMS, config={"substeps": np.int64(3),
                                           "macro_dt": np.float32(0.25)})
    assert v["substeps"] == 3 and v["macro_dt"] == pytest.approx(0.25)
