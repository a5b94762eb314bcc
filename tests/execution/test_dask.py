"""The Dask executor: local clusters give the serial numbers; a dead address fails fast."""

import os
import sys
import time

import numpy as np
import pytest

pytest.importorskip("distributed")  # the [dask] extra

import cloudpickle

from scaleweave.errors import ConfigError
from scaleweave.execution import (
    CampaignStore,
    DaskExecutor,
    SerialExecutor,
    Task,
    make_executor,
    run_ensemble,
    sample_seed,
)

cloudpickle.register_pickle_by_value(sys.modules[__name__])

N = 12


def draw(task):
    rng = task.rng()
    return {"x": rng.standard_normal(4), "u": float(rng.random()), "p": task.payload}


def flaky(task):
    if task.index == 3:
        raise ValueError("sample 3 is bad")
    return {"i": float(task.index)}


def environment(task):
    return {name: os.environ.get(name) for name in ("MALLOC_TRIM_THRESHOLD_", "OMP_NUM_THREADS")}


@pytest.fixture(scope="module")
def cluster1():
    with DaskExecutor(workers=1) as ex:
        yield ex


@pytest.fixture(scope="module")
def cluster2():
    with DaskExecutor(workers=2) as ex:
        yield ex


@pytest.mark.parametrize("name", ["cluster1", "cluster2"])
def test_local_cluster_matches_serial_bit_for_bit(name, request):
    executor = request.getfixturevalue(name)
    kwargs = dict(root_seed=5, payload_for=lambda i: 2 * i, quiet=True)
    ref = run_ensemble(draw, N, executor=SerialExecutor(), **kwargs).stacked()
    got = run_ensemble(draw, N, executor=executor, **kwargs)
    assert got.n_computed == N and not got.failures
    for key, value in got.stacked().items():
        assert np.array_equal(value, ref[key]), key


def test_failing_sample_on_dask(cluster2, tmp_path):
    store = CampaignStore(tmp_path / "c.sqlite", "dask-flaky")
    got = run_ensemble(flaky, 8, root_seed=0, store=store, executor=cluster2, quiet=True)
    assert set(got.failures) == {3} and got.failures[3].startswith("ValueError: sample 3 is bad")
    assert sorted(got.results) == [0, 1, 2, 4, 5, 6, 7]
    assert store.failures()[3] == got.failures[3] and store.count() == 8


def test_malloc_trim_lifted_for_our_cluster_only(cluster1):
    import dask

    [(_, outcome)] = list(cluster1.map_unordered(environment, [Task(0, sample_seed(0, 0))]))
    assert outcome.result["MALLOC_TRIM_THRESHOLD_"] in (None, os.environ.get(
        "MALLOC_TRIM_THRESHOLD_"))
    assert outcome.result["OMP_NUM_THREADS"] is not None
    # scoped: the global configuration still has Dask's default
    assert dask.config.get("distributed.nanny.pre-spawn-environ.MALLOC_TRIM_THRESHOLD_") == 65536


def test_unreachable_scheduler_is_a_config_error_within_10_s():
    address = "tcp://127.0.0.1:1"  # loopback, nothing listens on port 1
    executor = make_executor(None, address)
    tic = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        executor.start()
    elapsed = time.perf_counter() - tic
    assert elapsed < 10.0, f"took {elapsed:.1f} s"
    message = str(info.value)
    assert address in message and "\n" not in message


@pytest.mark.parametrize(("address", "why"), [
    ("notanaddress", "it has no port"), ("tcp://10.0.0.5", "it has no port"),
    ("foo://10.0.0.5:8786", "unknown scheme 'foo://'"), ("tcp://h:99999", "outside 1 to 65535"),
    ("tcp://h:port", "is not HOST:PORT")])
def test_a_malformed_scheduler_address_fails_at_once(address, why):
    tic = time.perf_counter()
    with pytest.raises(ConfigError, match=why):
        DaskExecutor(address=address)
    assert time.perf_counter() - tic < 1.0
    assert DaskExecutor(address="10.0.0.5:8786").address == "10.0.0.5:8786"


def test_scheduler_typo_on_the_command_line_is_one_line_and_quick(tmp_path):
    # Regression: 'Exception ignored in: Client.__del__' and a traceback after 10 s.
    import subprocess

    tic = time.perf_counter()
    proc = subprocess.run([sys.executable, "-m", "scaleweave.cli", "run", "uq-demo", "--quick",
                           "--scheduler", "notanaddress", "--out", str(tmp_path / "out")],
                          capture_output=True, text=True, timeout=60)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "scaleweave: error: --scheduler 'notanaddress' is not a Dask scheduler address: it has "
        "no port; give it as tcp://HOST:PORT, e.g. tcp://10.0.0.5:8786"]
    assert time.perf_counter() - tic < 10.0 and not (tmp_path / "out").exists()


def test_no_large_graph_is_sent(cluster2):
    # Regression: every task went in one client.map, so a big ensemble sent one graph
    # of tens of MB and Dask printed a 'Sending large graph' warning.
    import warnings

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        got = run_ensemble(lambda task: {"s": float(task.payload.sum())}, 80, root_seed=0,
                           payload_for=lambda i: np.full(20_000, float(i)),  # 160 kB each
                           executor=cluster2, quiet=True)
    assert [str(w.message) for w in caught if "large graph" in str(w.message)] == []
    assert got.stacked()["s"].tolist() == [20_000.0 * i for i in range(80)]


def _ignores_sigint(pid):
    for line in open(f"/proc/{pid}/status"):
        if line.startswith("SigIgn:"):
            return bool(int(line.split()[1], 16) & (1 << (2 - 1)))  # bit of SIGINT (2)
    raise AssertionError("no SigIgn line")


@pytest.mark.skipif(not os.path.exists("/proc/self/status"), reason="reads /proc (Linux)")
def test_local_workers_start_with_ctrl_c_ignored():
    # Regression: Ctrl-C reached the workers, which printed KeyboardInterrupt tracebacks.
    import signal

    previous = signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        with DaskExecutor(workers=1) as ex:
            pids = list(ex.client.run(os.getpid).values())
            assert pids and all(_ignores_sigint(pid) for pid in pids)
        assert signal.getsignal(signal.SIGINT) is signal.default_int_handler
    finally:
        signal.signal(signal.SIGINT, previous)


CTRL_C = '''
import signal, sys, time
from pathlib import Path
from scaleweave.execution import DaskExecutor, run_ensemble

def sample(task):
    Path(sys.argv[1]).write_text("started")
    time.sleep(0.2)
    return {"x": 1.0}

if __name__ == "__main__":
    signal.signal(signal.SIGINT, signal.default_int_handler)  # as in a terminal
    try:
        with DaskExecutor(workers=2) as ex:
            run_ensemble(sample, 400, root_seed=0, executor=ex, quiet=True)
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
'''


@pytest.mark.skipif(os.name != "posix", reason="process groups and SIGINT are POSIX")
def test_ctrl_c_on_a_local_cluster_prints_only_the_drivers_line(tmp_path):
    import signal
    import subprocess

    script, marker = tmp_path / "ctrl_c.py", tmp_path / "started"
    script.write_text(CTRL_C)
    proc = subprocess.Popen([sys.executable, str(script), str(marker)], start_new_session=True,
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 60
    while not marker.exists():
        assert proc.poll() is None and time.monotonic() < deadline, proc.communicate()
        time.sleep(0.05)
    time.sleep(0.5)
    os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
    _, err = proc.communicate(timeout=60)
    assert err.strip().splitlines() == ["interrupted"], err
