"""The documentation site builds with warnings as errors (its code blocks run as doctests)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_sphinx_site_builds_without_warnings(tmp_path):
    pytest.importorskip("sphinx")
    pytest.importorskip("pydata_sphinx_theme")
    out = subprocess.run(
        [sys.executable, "-m", "sphinx", "-W", "--keep-going", "-q", "-b", "html",
         "-d", str(tmp_path / "doctrees"), str(ROOT / "docs"), str(tmp_path / "html")],
        capture_output=True, text=True, timeout=600)
    warnings = [line for line in out.stderr.splitlines()
                if "WARNING" in line or "ERROR" in line]
    assert out.returncode == 0 and not warnings, "\n".join(warnings) or out.stderr[-2000:]
    html = tmp_path / "html"
    for page in ("index.html", "guide/first-study.html", "guide/bridge.html",
                 "gallery/battery.html", "api/index.html", "design-notes.html"):
        assert (html / page).is_file(), page
    assert "LiFePO4" in (html / "gallery" / "battery.html").read_text()
