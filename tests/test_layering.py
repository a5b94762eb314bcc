"""The layers of the package hold: import-linter's contracts (in pyproject.toml) pass."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def test_import_linter_contracts_hold(monkeypatch, capsys):
    from importlinter.cli import lint_imports

    monkeypatch.chdir(ROOT)
    code = lint_imports(config_filename=str(ROOT / "pyproject.toml"), no_cache=True)
    out = capsys.readouterr().out
    if code != 0:
        pytest.fail(f"import-linter contracts broken:\n{out}")
