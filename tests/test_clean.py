"""Working files: campaigns kept for a resume, dropped once the result is written;
``scaleweave clean`` removes the rest and leaves a running case alone."""

from __future__ import annotations

import json
from pathlib import Path

from scaleweave.cleanup import CaseFolders
from scaleweave.cli import main

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = f"{ROOT / 'examples' / 'decay_case.py'}:DecayCase"


def _run(out: Path, *extra: str) -> int:
    return main(["run", EXAMPLE, "--quick", "--quiet", "--no-report", "--out", str(out),
                 *extra])


def _hidden(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.name.startswith("."))


def _interrupted_run(out: Path, monkeypatch) -> None:
    import scaleweave.core.results as results

    def killed(*args, **kwargs):
        raise KeyboardInterrupt

    with monkeypatch.context() as m:
        m.setattr(results, "write_result", killed)
        assert _run(out) == 130


def test_a_finished_run_drops_its_campaigns(capsys, tmp_path):
    assert _run(tmp_path) == 0
    assert (tmp_path / "decay" / "summary.json").is_file()
    assert _hidden(tmp_path) == []  # no .campaigns (it held 1 store of this run before)


def test_an_interrupted_run_keeps_them_and_the_rerun_resumes_then_drops_them(
        capsys, tmp_path, monkeypatch):
    assert _run(tmp_path / "ref") == 0
    expected = json.loads((tmp_path / "ref" / "decay" / "summary.json").read_text())["outputs"]
    _interrupted_run(tmp_path / "out", monkeypatch)
    stores = list((tmp_path / "out" / ".campaigns" / "decay").glob("*.sqlite"))
    assert stores, "the interrupted run kept nothing to resume from"
    assert _run(tmp_path / "out") == 0
    got = json.loads((tmp_path / "out" / "decay" / "summary.json").read_text())["outputs"]
    assert got == expected
    assert _hidden(tmp_path / "out") == []


def test_clean_removes_working_files_and_keeps_results(capsys, tmp_path, monkeypatch):
    assert _run(tmp_path) == 0
    _interrupted_run(tmp_path, monkeypatch)
    (tmp_path / ".decay.abcdefgh.partial").mkdir()  # left by a killed writer
    (tmp_path / ".checkpoints" / "infection").mkdir(parents=True)
    (tmp_path / ".checkpoints" / "infection" / "run.npz").write_bytes(b"x" * 10)
    (tmp_path / ".cache" / "ab").mkdir(parents=True)
    (tmp_path / ".cache" / "ab" / "entry.pkl").write_bytes(b"y")
    capsys.readouterr()
    assert main(["clean", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert "removed" in out and ".campaigns" in out and "--cache removes it" in out
    assert _hidden(tmp_path) == [".cache"]
    assert (tmp_path / "decay" / "summary.json").is_file()
    assert main(["clean", str(tmp_path), "--cache"]) == 0
    assert _hidden(tmp_path) == []
    assert main(["clean", str(tmp_path)]) == 0
    assert "nothing to remove" in capsys.readouterr().out
    assert main(["clean", str(tmp_path / "missing")]) == 2


def test_clean_leaves_a_running_case_alone(capsys, tmp_path):
    (tmp_path / ".campaigns" / "decay").mkdir(parents=True)
    (tmp_path / ".campaigns" / "decay" / "s.sqlite").write_bytes(b"z")
    running = CaseFolders(tmp_path, "decay")  # what a run holds while it runs
    try:
        assert main(["clean", str(tmp_path), "--cache"]) == 0
        assert "a run of 'decay' is using them" in capsys.readouterr().out
        assert (tmp_path / ".campaigns" / "decay" / "s.sqlite").is_file()
    finally:
        running.release(finished=False)
    assert (tmp_path / ".campaigns" / "decay" / "s.sqlite").is_file()  # kept for a resume
    assert main(["clean", str(tmp_path)]) == 0
    assert _hidden(tmp_path) == []
