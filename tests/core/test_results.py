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


def test_git_commit_takes_no_lock_and_leaves_the_index_alone(tmp_path):
    # Regression: 'git status' refreshed and rewrote .git/index (taking index.lock) on
    # every run, which can make a git command running in the install tree fail.
    import os
    import shutil
    import subprocess

    from scaleweave.core.results import git_commit

    if shutil.which("git") is None:
        pytest.skip("git is not installed")

    def git(*args):
        subprocess.run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", *args],
                       cwd=tmp_path, check=True, capture_output=True)

    git("init", "-q")
    (tmp_path / "f.txt").write_text("x\n")
    git("add", "f.txt")
    git("commit", "-q", "-m", "one")
    later = (tmp_path / "f.txt").stat().st_mtime + 100
    os.utime(tmp_path / "f.txt", (later, later))  # same content, new stat: index is stale
    index = tmp_path / ".git" / "index"
    before = (index.read_bytes(), index.stat().st_mtime_ns)
    commit = git_commit(tmp_path)
    assert commit is not None and len(commit) == 40  # clean: no '-dirty'
    assert (index.read_bytes(), index.stat().st_mtime_ns) == before
    assert not (tmp_path / ".git" / "index.lock").exists()
