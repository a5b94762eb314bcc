"""Lazy exports for packages: names resolve on first use, so imports stay cheap.

A package's public names are read from the ``__all__`` lists of its modules (and of
its subpackages, recursively) by parsing their source, not by importing them, so
no table can drift from the code: a name added to a module's ``__all__`` is exported
by its package at once. The sources are parsed on the first attribute look-up, and
``import scaleweave.engines`` imports nothing heavy.
"""

from __future__ import annotations

import ast
import functools
import importlib
import importlib.util
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

__all__ = ["lazy_exports", "module_all"]


def module_all(path: Path) -> list[str]:
    """The literal ``__all__`` of the module at ``path`` (empty if it has none)."""
    for node in ast.parse(path.read_text(encoding="utf-8")).body:
        targets = (node.targets if isinstance(node, ast.Assign)
                   else [node.target] if isinstance(node, ast.AnnAssign) else [])
        if any(getattr(t, "id", None) == "__all__" for t in targets) and node.value:
            return list(ast.literal_eval(node.value))
    return []


def _modules_below(package: str) -> list[tuple[str, Path]]:
    """(dotted name, file) of every public module below ``package``, subpackages included."""
    spec = importlib.util.find_spec(package)
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(f"{package} is not a package")
    root = Path(next(iter(spec.submodule_search_locations)))
    out = []
    for path in sorted(root.rglob("[!_]*.py")):
        parts = path.relative_to(root).with_suffix("").parts
        if not any(p.startswith("_") for p in parts[:-1]):
            out.append((".".join((package, *parts)), path))
    return out


def _table(packages: Iterable[str], modules: Iterable[str]) -> dict[str, str]:
    entries = [m for p in packages for m in _modules_below(p)]
    for module in modules:
        spec = importlib.util.find_spec(module)
        if spec is None or spec.origin is None:
            raise ImportError(f"cannot find {module} to re-export its names")
        entries.append((module, Path(spec.origin)))
    table: dict[str, str] = {}
    for module, path in entries:
        for name in module_all(path):
            if name in table and table[name] != module:
                raise ImportError(f"{name!r} is exported by both {table[name]} and {module}; "
                                  "rename one")
            table[name] = module
    return table


def lazy_exports(package: str, namespace: dict[str, Any], *, packages: Iterable[str] = (),
                 modules: Iterable[str] = ()
                 ) -> tuple[Callable[[str], Any], Callable[[], list[str]]]:
    """Module ``__getattr__`` and ``__dir__`` exporting the ``__all__`` names of sources.

    Parameters
    ----------
    package : str
        The exporting package's dotted name (``__name__``), for messages.
    namespace : dict
        Its globals; a resolved name is stored there, so it is looked up only once.
    packages : iterable of str
        Packages whose every public module (recursively) is re-exported.
    modules : iterable of str
        Single modules whose ``__all__`` is re-exported.

    Notes
    -----
    ``__all__`` of the package is ``sorted(__dir__())``; a package sets it with a
    module-level ``__getattr__`` case for ``"__all__"`` (handled here).
    """
    packages, modules = tuple(packages), tuple(modules)
    table = functools.cache(lambda: _table(packages, modules))

    def __getattr__(name: str) -> Any:
        if name == "__all__":
            return sorted(table())
        if name in table():
            value = getattr(importlib.import_module(table()[name]), name)
            namespace[name] = value
            return value
        raise AttributeError(f"module {package!r} has no attribute {name!r}")

    def __dir__() -> list[str]:
        return sorted(table())

    return __getattr__, __dir__
