"""A coupled run killed with SIGKILL resumes from its checkpoint and matches an unbroken run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from scaleweave.core.checkpoint import Checkpoint
from scaleweave.errors import ConfigError

ROOT = Path(__file__).resolve().parents[2]

SCRIPT = textwrap.dedent('''
    """A multi-rate spring chain with an energy recorder, checkpointed every 5 macro steps."""
    import sys
    import time

    import numpy as np

    from scaleweave.bridges.timestepping.multirate import MultirateChain
    from scaleweave.core.checkpoint import Checkpoint
    from scaleweave.engines.particles.spring_chain import build_chain, chain_energy

    FOLDER, OUT, SLEEP = sys.argv[1], sys.argv[2], float(sys.argv[3])


    class Recorder:
        """Observer whose records are part of the checkpoint (state / restore)."""

        def __init__(self):
            self.t, self.energy = [], []

        def __call__(self, t, coupler):
            self.t.append(t)
            self.energy.append(chain_energy(m, k, chain.x, chain.v))
            time.sleep(SLEEP)  # slow enough to be killed half-way

        def state(self):
            return {"t": list(self.t), "energy": list(self.energy)}

        def restore(self, state):
            self.t, self.energy = list(state["t"]), list(state["energy"])


    n = 60
    m, k, _ = build_chain(n, 0.1, 100.0, 1.0, 1.0)
    x0 = np.exp(-(((np.arange(n) - n / 4) / 5.0) ** 2))
    chain = MultirateChain(m, k, x0, np.zeros(n), 0.5, 10)
    rec = Recorder()
    stats = chain.coupler.run(30.0, observe=rec,
                              checkpoint=Checkpoint(FOLDER, "chain-test", every=5))
    np.savez(OUT, x=chain.x, v=chain.v, t=np.asarray(rec.t), energy=np.asarray(rec.energy),
             work=np.asarray(sorted(stats.work.values())))
''')


def _run(tmp_path, folder, out, sleep):
    script = tmp_path / "chain.py"
    script.write_text(SCRIPT)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.Popen([sys.executable, str(script), str(folder), str(out), str(sleep)],
                            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)


@pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")
def test_sigkill_half_way_resumes_from_the_checkpoint_and_matches(tmp_path):
    ref_out, out = tmp_path / "ref.npz", tmp_path / "out.npz"
    proc = _run(tmp_path, tmp_path / "ref-ckpt", ref_out, 0.0)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    assert not (tmp_path / "ref-ckpt").exists()  # a completed run leaves no checkpoint

    folder = tmp_path / "ckpt"
    proc = _run(tmp_path, folder, out, 0.05)
    deadline = time.monotonic() + 120
    ckpt = Checkpoint(folder, "chain-test")
    while time.monotonic() < deadline and (ckpt.load() is None or ckpt.resumed_at < 20):
        time.sleep(0.05)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL and not out.exists()
    half = Checkpoint(folder, "chain-test")
    assert half.load() is not None and 20 <= half.resumed_at < 60  # killed half-way
    assert not list(folder.glob(".ckpt.*.tmp"))  # no half-written checkpoint left

    proc = _run(tmp_path, folder, out, 0.0)
    assert proc.wait(timeout=120) == 0, proc.stderr.read().decode()
    ref, got = np.load(ref_out), np.load(out)
    for key in ("x", "v", "t", "energy", "work"):
        np.testing.assert_array_equal(got[key], ref[key], err_msg=key)  # bit-identical
    assert len(got["t"]) == 61  # each observation once: none lost, none repeated
    assert not folder.exists()


def test_a_checkpoint_of_another_run_is_never_resumed(tmp_path):
    a = Checkpoint(tmp_path, "run-a")
    a.save(3, {"anything": 1})
    b = Checkpoint(tmp_path, "run-b")
    assert b.load() is None and b.resumed_at is None
    assert Checkpoint(tmp_path, "run-a").load() == {"anything": 1}
    (tmp_path / f"{'run-a'}.ckpt").write_bytes(b"not a pickle")
    assert Checkpoint(tmp_path, "run-a").load() is None  # damaged: start afresh
    with pytest.raises(ConfigError, match="letters, digits and dashes"):
        Checkpoint(tmp_path, "../escape")
    with pytest.raises(ConfigError, match=">= 1 macro step"):
        Checkpoint(tmp_path, "ok", every=0)
