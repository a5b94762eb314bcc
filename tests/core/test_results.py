"""The results writer: extra files inside the atomic write, refused names leave nothing."""

import json
from types import SimpleNamespace

import pytest
import xarray as xr

from scaleweave.core.results import CaseResult, write_result
from scaleweave.errors import ConfigError

CASE = SimpleNamespace(name="demo", title="demo", summary="", report_figures=lambda ds: {})
PARAMS = SimpleNamespace(as_dict=lambda: {})


def _result(files):
    ds = xr.Dataset({"y": ("i", [1.0, 2.0], {"units": "m"})},
                    coords={"i": ("i", [0, 1], {"units": "1"})})
    return CaseResult(dataset=ds, files=files)


def test_extra_files_are_written_and_listed(tmp_path):
    folder = write_result(tmp_path, CASE, _result(
        {"posterior.nc": lambda path: path.write_text("draws")}), PARAMS, 0, 0.1)
    assert (folder / "posterior.nc").read_text() == "draws"
    assert json.loads((folder / "summary.json").read_text())["files"] == ["posterior.nc"]


@pytest.mark.parametrize("name", ["../escape.nc", "summary.json", ".hidden"])
def test_bad_extra_file_name_is_refused_and_nothing_is_left(tmp_path, name):
    with pytest.raises(ConfigError, match="extra file name"):
        write_result(tmp_path, CASE, _result({name: lambda path: path.write_text("x")}),
                     PARAMS, 0, 0.1)
    assert list(tmp_path.iterdir()) == []
