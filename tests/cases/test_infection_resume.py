"""The infection case killed with SIGKILL in its coupled run resumes from a checkpoint."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pytest
import xarray as xr

ROOT = Path(__file__).resolve().parents[2]
ARGS = ["run", "infection", "--quick", "--quiet", "--no-report", "--set", "macro_dt=0.1 h",
        "--set", "establishment_runs=100"]


def _start(out: Path) -> subprocess.Popen:
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, "-m", "scaleweave.cli", *ARGS, "--out", str(out)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


def _load(out: Path) -> tuple[dict, xr.Dataset]:
    folder = out / "infection"
    summary = json.loads((folder / "summary.json").read_text())
    with xr.open_dataset(folder / "result.nc") as ds:
        return summary, ds.load()


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_killed_coupled_run_resumes_and_matches_an_unbroken_run(tmp_path):
    ref, out = tmp_path / "ref", tmp_path / "out"
    proc = _start(ref)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    proc = _start(out)
    ckpts = out / ".checkpoints" / "infection"
    deadline = time.monotonic() + 300
    while time.monotonic() < deadline and not list(ckpts.glob("*.ckpt")):
        assert proc.poll() is None, "the run ended before it wrote a checkpoint"
        time.sleep(0.01)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert list(ckpts.glob("*.ckpt")) and not (out / "infection").exists()
    proc = _start(out)
    assert proc.wait(timeout=300) == 0, proc.stderr.read().decode()
    (s_ref, d_ref), (s_out, d_out) = _load(ref), _load(out)
    (step,) = s_out["resumed_from_checkpoint"].values()  # it did resume, not recompute
    assert step > 0 and s_ref["resumed_from_checkpoint"] == {}
    assert s_out["outputs"] == s_ref["outputs"]
    assert [r["value"] for r in s_out["references"]] == [r["value"] for r in s_ref["references"]]
    for name in d_ref.data_vars:
        np.testing.assert_array_equal(d_out[name].values, d_ref[name].values, err_msg=name)
    assert not (out / ".checkpoints").exists()  # no debris after the run completes
