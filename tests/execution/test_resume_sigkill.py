"""A campaign killed with SIGKILL resumes: nothing lost, nothing recorded twice or recomputed."""

import os
import signal
import sqlite3
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

from scaleweave.execution import CampaignStore

pytestmark = pytest.mark.skipif(os.name != "posix", reason="SIGKILL is POSIX")

N = 40
KILL_AT = 15

SCRIPT = textwrap.dedent('''
    """Run a 40-sample campaign; every sample logs its index when it starts computing."""
    import os
    import sys
    import time

    from scaleweave.execution import CampaignStore, ProcessExecutor, SerialExecutor, run_ensemble

    STORE, LOG, LABEL, SLEEP = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])


    def sample(task):
        with open(LOG, "a") as fh:  # one short O_APPEND write per start
            fh.write(f"{LABEL} {task.index} {os.getpid()}\\n")
        time.sleep(SLEEP)
        rng = task.rng()
        return {"x": rng.standard_normal(3), "y": float(rng.random())}


    if __name__ == "__main__":
        executor = SerialExecutor() if LABEL == "serial" else ProcessExecutor(2)
        with executor:
            result = run_ensemble(sample, 40, root_seed=11, store=CampaignStore(STORE, "resume"),
                                  executor=executor, quiet=True)
        print(result.n_computed, result.n_reused, len(result.failures))
''')


def _recorded(path: Path) -> set[int]:
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True, timeout=5)
        try:
            return {row[0] for row in conn.execute("SELECT idx FROM samples")}
        finally:
            conn.close()
    except sqlite3.OperationalError:  # not created yet
        return set()


def _log(path: Path) -> list[tuple[str, int, int]]:
    if not path.exists():
        return []
    return [(label, int(i), int(pid)) for label, i, pid in
            (line.split() for line in path.read_text().splitlines())]


def _gone(pid: int) -> bool:
    try:
        state = Path(f"/proc/{pid}/status").read_text()
    except FileNotFoundError:
        return True
    return "\nState:\tZ" in state


def test_sigkill_then_resume(tmp_path):
    script = tmp_path / "campaign.py"
    script.write_text(SCRIPT)
    store, log = tmp_path / "out" / "campaign.sqlite", tmp_path / "starts.log"

    first = subprocess.Popen([sys.executable, str(script), str(store), str(log), "run1", "0.05"])
    deadline = time.monotonic() + 60
    while len(_recorded(store)) < KILL_AT:
        assert first.poll() is None, "the first run ended before it could be killed"
        assert time.monotonic() < deadline, "the first run did not record samples in time"
        time.sleep(0.01)
    os.kill(first.pid, signal.SIGKILL)
    assert first.wait(10) == -signal.SIGKILL
    before = _recorded(store)
    assert KILL_AT <= len(before) < N

    # the orphaned workers notice their driver is gone and exit
    workers = {pid for label, _, pid in _log(log) if label == "run1"}
    deadline = time.monotonic() + 5
    while not all(_gone(pid) for pid in workers):
        assert time.monotonic() < deadline, "workers outlived their killed driver"
        time.sleep(0.05)

    second = subprocess.run([sys.executable, str(script), str(store), str(log), "run2", "0.05"],
                            capture_output=True, text=True, timeout=120, check=True)
    n_computed, n_reused, n_failed = map(int, second.stdout.split())
    assert (n_computed, n_reused, n_failed) == (N - len(before), len(before), 0)

    rerun = [i for label, i, _ in _log(log) if label == "run2"]
    assert len(rerun) == len(set(rerun)), "a sample was computed twice in the resumed run"
    assert set(rerun) == set(range(N)) - before, "the resumed run computed exactly the missing"
    assert not set(rerun) & before, "a sample recorded before the kill was recomputed"

    conn = sqlite3.connect(store)
    assert conn.execute("SELECT COUNT(*), COUNT(DISTINCT idx) FROM samples").fetchone() == (N, N)
    assert conn.execute("SELECT COUNT(*) FROM samples WHERE status != 'ok'").fetchone()[0] == 0
    conn.close()

    reference = tmp_path / "serial.sqlite"
    subprocess.run([sys.executable, str(script), str(reference), str(tmp_path / "serial.log"),
                    "serial", "0"], capture_output=True, text=True, timeout=120, check=True)
    with CampaignStore(store, "resume") as got, CampaignStore(reference, "resume") as ref:
        got_results, ref_results = got.results(), ref.results()
    assert sorted(got_results) == list(range(N))
    for i in range(N):
        assert np.array_equal(got_results[i]["x"], ref_results[i]["x"])
        assert got_results[i]["y"] == ref_results[i]["y"]
