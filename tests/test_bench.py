"""``scaleweave bench --out DIR``: the benchmarks write where they are told, not into the cwd."""

import json
import os
from types import SimpleNamespace

from scaleweave import bench
from scaleweave.cli import main


def _fake_benchmark():
    from benchmarks._common import write_json  # the real helper every benchmark uses

    write_json("fake", {"ratio": 1.5})


def test_bench_out_folder(capsys, tmp_path, monkeypatch):
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    monkeypatch.setattr(bench, "list_benchmarks", lambda: ["fake"])
    real_import = bench.importlib.import_module
    monkeypatch.setattr(bench.importlib, "import_module", lambda name: (
        SimpleNamespace(main=_fake_benchmark) if name == "benchmarks.fake" else real_import(name)))
    assert main(["bench", "fake", "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "fake.json").read_text()) == {"ratio": 1.5}
    assert list(cwd.iterdir()) == []  # nothing in the current folder
    assert bench.OUT_ENV not in os.environ  # restored after the run
    assert main(["bench", "fake"]) == 0  # the default is unchanged
    assert (cwd / "results" / "bench" / "fake.json").is_file()


def test_bench_out_unwritable(capsys, tmp_path, monkeypatch):
    monkeypatch.setattr(bench, "list_benchmarks", lambda: ["fake"])
    (tmp_path / "file").write_text("")
    assert main(["bench", "fake", "--out", str(tmp_path / "file" / "x")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "cannot write benchmark results" in err[0]
