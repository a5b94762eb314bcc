"""Every lazily exported name resolves, and each module's public names are exported."""

import ast
import importlib
from pathlib import Path

import pytest

import scaleweave

SRC = Path(scaleweave.__file__).parent


@pytest.mark.parametrize("package", ["scaleweave", "scaleweave.engines", "scaleweave.bridges"])
def test_lazy_exports_resolve(package):
    module = importlib.import_module(package)
    for name in module.__all__:
        assert getattr(module, name) is not None, name


@pytest.mark.parametrize("package", ["engines", "bridges"])
def test_every_public_name_is_exported(package):
    exported = set(importlib.import_module(f"scaleweave.{package}").__all__)
    for path in sorted((SRC / package).glob("[!_]*.py")):
        for node in ast.parse(path.read_text()).body:
            if isinstance(node, ast.Assign) and any(
                    getattr(t, "id", None) == "__all__" for t in node.targets):
                missing = set(ast.literal_eval(node.value)) - exported
                assert not missing, f"{path.name}: {sorted(missing)} not in scaleweave.{package}"
