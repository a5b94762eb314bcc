"""The kMC benchmark's pieces run, and its kmcos scripts are valid Python (no peer needed)."""

import pytest


@pytest.fixture(scope="module")
def bench(load_benchmark):
    return load_benchmark("kmc")


def test_ours_runs_the_benchmark_model(bench):
    out = bench.run_ours(30, 200_000)
    assert out["events"] == 200_000
    assert abs(out["coverage"] - 0.5) < 0.05  # Langmuir: k_ads / (k_ads + k_des)
    assert out["cpu_s"] > 0


def test_peer_scripts_compile_and_published_figures_are_there(bench):
    compile(bench._BUILD, "build.py", "exec")
    compile(bench._RUN, "run_bench.py", "exec")
    assert set(bench.PUBLISHED_PEER) == set(bench.SIZES)
