"""Debris of killed writers is removed by the next write; a live writer's folder never is."""

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from types import SimpleNamespace

import pytest
import xarray as xr

from scaleweave.core.folders import (
    discard_partial,
    lock_folder,
    make_partial,
    remove_stale,
    replace_folder,
)
from scaleweave.core.results import CaseResult, write_result

pytestmark = pytest.mark.skipif(os.name != "posix", reason="flock and SIGKILL are POSIX")

CASE = SimpleNamespace(name="demo", title="demo", summary="", report_figures=lambda ds: {})
PARAMS = SimpleNamespace(as_dict=lambda: {})

WRITER = textwrap.dedent('''
    """Write a result whose figures never finish: killed while writing."""
    import sys, time
    from pathlib import Path
    from types import SimpleNamespace
    import xarray as xr
    from scaleweave.core.results import CaseResult, write_result

    out, marker = Path(sys.argv[1]), Path(sys.argv[2])

    def figures(ds):
        marker.write_text("writing")
        time.sleep(120)

    case = SimpleNamespace(name="demo", title="demo", summary="", report_figures=figures)
    ds = xr.Dataset({"y": ("i", [1.0], {"units": "m"})}, coords={"i": ("i", [0], {"units": "1"})})
    write_result(out, case, CaseResult(dataset=ds), SimpleNamespace(as_dict=lambda: {}), 0, 0.1)
''')


def _result():
    ds = xr.Dataset({"y": ("i", [1.0, 2.0], {"units": "m"})},
                    coords={"i": ("i", [0, 1], {"units": "1"})})
    return CaseResult(dataset=ds)


def _hidden(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def _start_writer(tmp_path: Path) -> tuple[subprocess.Popen, Path]:
    script, marker = tmp_path / "writer.py", tmp_path / "marker"
    script.write_text(WRITER)
    out = tmp_path / "out"
    proc = subprocess.Popen([sys.executable, str(script), str(out), str(marker)])
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None, "the writer ended before it could be killed"
        assert time.monotonic() < deadline, "the writer did not start writing in time"
        time.sleep(0.05)
    return proc, out


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_killed_writer_leaves_debris_the_next_write_removes(tmp_path, sig):
    proc, out = _start_writer(tmp_path)
    os.kill(proc.pid, sig)
    assert proc.wait(10) == -sig
    (partial,) = _hidden(out)
    assert partial.startswith(".demo.") and partial.endswith(".partial")
    folder = write_result(out, CASE, _result(), PARAMS, 0, 0.1)
    assert _hidden(out) == [] and (folder / "summary.json").is_file()


def test_a_live_writer_in_another_process_is_left_alone(tmp_path):
    proc, out = _start_writer(tmp_path)
    try:
        (partial,) = _hidden(out)
        assert remove_stale(out) == [] and remove_stale(out, "demo") == []
        write_result(out, CASE, _result(), PARAMS, 0, 0.1)  # the same case meanwhile
        assert partial in _hidden(out)
    finally:
        proc.kill()
        proc.wait(10)
    assert remove_stale(out) == [out / partial] and _hidden(out) == []


def test_a_live_partial_in_this_process_is_left_alone(tmp_path):
    tmp = make_partial(tmp_path, "demo")
    assert remove_stale(tmp_path) == [] and tmp.is_dir()
    (tmp / "f").write_text("x")
    replace_folder(tmp, tmp_path / "demo")
    assert (tmp_path / "demo" / "f").read_text() == "x" and _hidden(tmp_path) == []
    other = make_partial(tmp_path, "demo")
    discard_partial(other)
    assert _hidden(tmp_path) == []


def test_only_our_debris_is_removed(tmp_path):
    keep = [".demo.partial", ".notes.txt", "demo.abcdefgh.partial", ".git"]
    (tmp_path / ".demo.partial").mkdir()
    (tmp_path / ".notes.txt").write_text("mine")
    (tmp_path / "demo.abcdefgh.partial").mkdir()
    (tmp_path / ".git").mkdir()
    (tmp_path / "elsewhere").mkdir()
    (tmp_path / ".demo.zzzzzzzz.partial").symlink_to(tmp_path / "elsewhere")
    keep.append(".demo.zzzzzzzz.partial")
    (tmp_path / ".demo.abcdefgh.partial").mkdir()  # ours, stale
    (tmp_path / ".other.abcdefgh.partial").mkdir()  # ours, another case
    assert remove_stale(tmp_path, "demo") == [tmp_path / ".demo.abcdefgh.partial"]
    assert remove_stale(tmp_path) == [tmp_path / ".other.abcdefgh.partial"]
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted([*keep, "elsewhere"])


def test_old_folder_of_a_writer_killed_between_its_renames_is_put_back(tmp_path):
    old = tmp_path / ".demo.abcdefgh.old"
    old.mkdir()
    (old / "summary.json").write_text("{}")
    assert remove_stale(tmp_path) == [old]
    assert (tmp_path / "demo" / "summary.json").read_text() == "{}"
    again = tmp_path / ".demo.abcdefgh.old"
    again.mkdir()  # with the case folder in place, the old copy is just removed
    assert remove_stale(tmp_path) == [again] and _hidden(tmp_path) == []


def test_lock_folder_shared_by_runs_exclusive_for_a_clean_up(tmp_path):
    with lock_folder(tmp_path / "w", shared=True), lock_folder(tmp_path / "w", shared=True):
        with pytest.raises(BlockingIOError), lock_folder(tmp_path / "w", shared=False,
                                                         wait=False):
            pass
    with lock_folder(tmp_path / "w", shared=False, wait=False):
        pass


def test_without_locks_writes_work_and_nothing_is_removed(tmp_path, monkeypatch):
    import errno

    from scaleweave.core import folders

    monkeypatch.setattr(folders, "fcntl", None)  # Windows, or a mount without flock
    (tmp_path / ".demo.abcdefgh.partial").mkdir()  # could be a live writer's: kept
    folder = write_result(tmp_path, CASE, _result(), PARAMS, 0, 0.1)
    assert (folder / "summary.json").is_file()
    assert _hidden(tmp_path) == [".demo.abcdefgh.partial"] and remove_stale(tmp_path) == []
    with lock_folder(tmp_path / "w", shared=True):
        pass
    with pytest.raises(BlockingIOError) as info, lock_folder(tmp_path / "w", shared=False,
                                                             wait=False):
        pass
    assert info.value.errno == errno.ENOLCK
