"""The essay's applications, and how a case is found: built in, registered, or by path.

Three ways to name a case on the command line:

* a built-in name from :data:`CASES` (listed without importing the case, so the CLI
  starts fast and a case's heavy libraries load only when that case runs);
* a name a third-party package registers in the entry-point group
  ``scaleweave.cases`` (``my-case = "my_package.cases:MyCase"`` under
  ``[project.entry-points."scaleweave.cases"]``);
* ``path/to/file.py:Class`` or ``package.module:Class``.

Each gets what a built-in case gets: validation, ``--set``/``--config``,
distributions, propagation, campaign resume, Dask, ``result.nc``, ``summary.json``
and the report.
"""

from __future__ import annotations

import difflib
import functools
import importlib
import importlib.util
import sys
import warnings
from importlib.metadata import entry_points
from pathlib import Path
from typing import Any

from scaleweave.errors import ConfigError

__all__ = ["CASES", "ENTRY_POINT_GROUP", "available_cases", "load_case"]

#: The entry-point group third-party packages register their cases in.
ENTRY_POINT_GROUP = "scaleweave.cases"

#: Built-in cases: name -> ``module:Class``. Each case package's ``__init__`` holds only
#: its declaration (its ``summary`` is what ``scaleweave list`` prints), so listing the
#: cases imports no engine. Keep sorted by name.
CASES: dict[str, str] = {
    "am-warpage": "scaleweave.cases.am_warpage:AMWarpageCase",
    "battery": "scaleweave.cases.battery:BatteryCase",
    "composite": "scaleweave.cases.composite:CompositeCase",
    "ecology-scaling": "scaleweave.cases.ecology_scaling:EcologyScalingCase",
    "infection": "scaleweave.cases.infection:InfectionCase",
    "multirate": "scaleweave.cases.multirate:MultirateChainCase",
    "partial-pooling": "scaleweave.cases.partial_pooling:PartialPoolingCase",
    "pyrodiversity": "scaleweave.cases.pyrodiversity:PyrodiversityCase",
    "qssa": "scaleweave.cases.qssa:QSSACase",
    "uq-demo": "scaleweave.cases.uq_demo:UQDemo",
}


@functools.cache
def _registered() -> dict[str, str]:
    """Cases registered by installed packages: name -> ``module:Class``."""
    found = {}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        if ep.name in CASES:
            warnings.warn(f"entry point {ep.name!r} ({ep.value}) shadows a built-in case; "
                          "the built-in one is used", stacklevel=2)
            continue
        found[ep.name] = ep.value
    return found


def _declared_summary(target: str) -> str:
    """A built-in case's ``summary``, read from its declaration without importing it.

    The declaration (``cases/<name>/__init__.py``) is parsed, as the lazy exports are,
    so ``scaleweave list`` starts without NumPy, pint or any engine.
    """
    import ast

    module, _, cls_name = target.partition(":")
    spec = importlib.util.find_spec(module)
    if spec is None or spec.origin is None:
        raise ConfigError(f"built-in case {target!r} is missing from the installation")
    tree = ast.parse(Path(spec.origin).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.ClassDef) and node.name == cls_name:
            for stmt in node.body:
                if (isinstance(stmt, ast.Assign) and len(stmt.targets) == 1
                        and isinstance(stmt.targets[0], ast.Name)
                        and stmt.targets[0].id == "summary"):
                    return str(ast.literal_eval(stmt.value))
    return load_case(next(n for n, t in CASES.items() if t == target)).summary


def available_cases() -> dict[str, tuple[str, str]]:
    """Built-in and registered cases: name -> (``module:Class``, one-line summary).

    Each case's declaration is imported to read its ``summary``; a registered case
    that fails to import is listed with the error as its summary (and a warning),
    never hidden.
    """
    out = {name: (target, _declared_summary(target)) for name, target in CASES.items()}
    for name, target in _registered().items():
        try:
            summary = _import_target(target, name).summary
        except ConfigError as exc:
            warnings.warn(f"registered case {name!r} cannot be loaded: {exc}", stacklevel=2)
            summary = f"(cannot be loaded: {exc})"
        out[name] = (target, summary)
    return out


def _import_target(target: str, shown: str) -> Any:
    """The class named by ``module:Class`` or ``path/file.py:Class``; checked to be a Case."""
    from scaleweave.cases.base import Case

    where, _, cls_name = target.rpartition(":")
    if not where or not cls_name.isidentifier():
        raise ConfigError(f"case {shown!r}: write it as 'path/to/file.py:Class' or "
                          "'package.module:Class'")
    if where.endswith(".py") or "/" in where or Path(where).is_file():
        module = _module_from_file(Path(where), shown)
    else:
        try:
            module = importlib.import_module(where)
        except ImportError as exc:
            raise ConfigError(f"case {shown!r}: cannot import module {where!r}: {exc}") from None
    cls = getattr(module, cls_name, None)
    if cls is None:
        public = sorted(n for n, v in vars(module).items()
                        if isinstance(v, type) and issubclass(v, Case) and v is not Case)
        raise ConfigError(f"case {shown!r}: {where} has no class {cls_name!r}; its cases are "
                          f"{public or 'none'}")
    if not (isinstance(cls, type) and issubclass(cls, Case)):
        raise ConfigError(f"case {shown!r}: {cls_name} is not a subclass of scaleweave.Case")
    if not cls.name:
        raise ConfigError(f"case {shown!r}: {cls_name} sets no 'name' (its results folder)")
    return cls


def _module_from_file(path: Path, shown: str) -> Any:
    """Import a user's case file as a module (its functions ship to workers by value)."""
    if not path.is_file():
        raise ConfigError(f"case {shown!r}: no file {str(path)!r}")
    resolved = path.resolve()
    mod_name = f"scaleweave_user_case_{abs(hash(str(resolved))):x}"
    if mod_name in sys.modules:
        return sys.modules[mod_name]
    spec = importlib.util.spec_from_file_location(mod_name, resolved)
    if spec is None or spec.loader is None:
        raise ConfigError(f"case {shown!r}: {str(path)!r} is not a Python file")
    module = importlib.util.module_from_spec(spec)
    sys.modules[mod_name] = module
    try:
        spec.loader.exec_module(module)
    except Exception as exc:
        del sys.modules[mod_name]
        raise ConfigError(f"case {shown!r}: importing {str(path)!r} failed: "
                          f"{type(exc).__name__}: {exc}") from None
    import cloudpickle

    cloudpickle.register_pickle_by_value(module)  # workers cannot import it by name
    return module


def load_case(name: str) -> Any:
    """Return the case class named ``name`` (built-in, registered, or ``target:Class``).

    Raises
    ------
    ConfigError
        Unknown name (lists the known cases and suggests the closest), or a target
        that cannot be imported or is not a :class:`~scaleweave.cases.base.Case`.
    """
    if name in CASES:
        module, cls = CASES[name].split(":")
        return getattr(importlib.import_module(module), cls)
    registered = _registered()
    if name in registered:
        return _import_target(registered[name], name)
    if ":" in name:
        return _import_target(name, name)
    known = [*CASES, *registered]
    close = difflib.get_close_matches(name, known, n=1)
    hint = f"did you mean {close[0]!r}? " if close else ""
    raise ConfigError(f"unknown case {name!r}; {hint}known cases: {', '.join(known)} "
                      "(or give path/to/file.py:Class)")
