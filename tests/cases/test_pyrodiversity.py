"""Reference test of the ``pyrodiversity`` case (scale selection with detection)."""

import json

import pytest

from scaleweave.cases.pyrodiversity import candidate_scales
from scaleweave.errors import ConfigError
from scaleweave.runner import run_case
from scaleweave.uq.intervals import wilson_interval


def test_wilson_interval_matches_published_example():
    """Newcombe (1998), Stat. Med. 17:857, Table I: 81/263 -> 0.2553 to 0.3662."""
    lo, hi = wilson_interval(81, 263)
    assert lo == pytest.approx(0.2553, abs=1e-4)
    assert hi == pytest.approx(0.3662, abs=1e-4)


def test_candidate_scales_are_geometric():
    s = candidate_scales(100.0, 5000.0, 6)
    assert s[0] == pytest.approx(100.0) and s[-1] == pytest.approx(5000.0)
    assert s[1] / s[0] == pytest.approx(s[-1] / s[-2])


def test_quick_run_recovers_the_scale(tmp_path):
    folder = run_case("pyrodiversity", out=tmp_path, quick=True, quiet=True)
    summary = json.loads((folder / "summary.json").read_text())
    assert [r["name"] for r in summary["references"] if not r["passed"]] == []
    assert summary["outputs"]["selected_scale"]["value"] == pytest.approx(1045.7, abs=0.1)
    eff = summary["outputs"]["effect"]
    assert eff["lo"] < 1.0 < eff["hi"]  # the true community effect (default 1.0)
    assert summary["figures"][0] == "scale_weights.png"


def test_buffer_larger_than_half_the_landscape_is_refused(tmp_path):
    with pytest.raises(ConfigError, match="half the landscape"):
        run_case("pyrodiversity", out=tmp_path, quick=True, quiet=True,
                 overrides=["scale_max=20 km"])


@pytest.mark.slow
def test_full_run_recovers_the_scale_in_ninety_percent(tmp_path):
    """Issue 7: the true scale in >= 90% of 20 seeded landscapes, effect covered."""
    folder = run_case("pyrodiversity", out=tmp_path, quiet=True)
    summary = json.loads((folder / "summary.json").read_text())
    assert summary["status"] == "passed"
    assert summary["outputs"]["recovery_rate"]["value"] >= 0.9
