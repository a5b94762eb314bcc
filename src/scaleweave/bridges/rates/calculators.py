"""ASE calculators by name, for the barrier bridge (:mod:`scaleweave.bridges.rates.barrier`).

``"emt"``
    ASE's effective-medium theory; fast, for metallic test systems.
``"chgnet"``
    The pretrained universal potential CHGNet (Deng et al. 2023, Nat. Mach. Intell.
    5, 1031); for a real lithium conductor. Needs the ``battery`` extra.
``"gpaw"``
    Plane-wave/LCAO DFT through GPAW, if it is installed (no extra ships it).

:data:`CALCULATORS` maps each name to a factory; a test or a user may add one
(``CALCULATORS["mine"] = lambda **kw: MyCalculator(**kw)``).
"""

from __future__ import annotations

import contextlib
import functools
import importlib
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from scaleweave._optional import import_optional
from scaleweave.errors import ConfigError, MissingExtraError

if TYPE_CHECKING:
    from ase.calculators.calculator import Calculator

__all__ = ["CALCULATORS", "calculator_version", "make_calculator", "require_ase"]


def require_ase() -> Any:
    """The ``ase`` package, or a :class:`MissingExtraError` naming the ``battery`` extra."""
    return import_optional("ase", "the barrier bridge", "battery")


def _emt(**options: Any) -> Calculator:
    require_ase()
    from ase.calculators.emt import EMT

    return EMT(**options)


@functools.lru_cache(maxsize=1)
def _chgnet_model() -> Any:
    from chgnet.model import CHGNet

    with contextlib.redirect_stdout(None):
        return CHGNet.load(verbose=False)


def _chgnet(**options: Any) -> Calculator:
    require_ase()
    try:
        importlib.import_module("chgnet")
        from chgnet.model.dynamics import CHGNetCalculator
    except ImportError as exc:
        raise MissingExtraError("calculator 'chgnet' needs the package chgnet: "
                                "pip install 'scaleweave[battery]'") from exc
    options.setdefault("use_device", "cpu")
    with contextlib.redirect_stdout(None):
        return CHGNetCalculator(model=_chgnet_model(), **options)


def _gpaw(**options: Any) -> Calculator:
    require_ase()
    try:
        from gpaw import GPAW
    except ImportError as exc:
        raise MissingExtraError("calculator 'gpaw' needs GPAW, which no scaleweave extra "
                                "installs: pip install gpaw (with libxc)") from exc
    options.setdefault("mode", "lcao")
    options.setdefault("txt", None)
    return GPAW(**options)


#: Calculator factories by name: ``name -> f(**options) -> ase Calculator``.
CALCULATORS: dict[str, Callable[..., Calculator]] = {
    "emt": _emt,
    "chgnet": _chgnet,
    "gpaw": _gpaw,
}


def make_calculator(name: str, **options: Any) -> Calculator:
    """A fresh ASE calculator chosen by name.

    Parameters
    ----------
    name : {"emt", "chgnet", "gpaw"}
        Which calculator (see :data:`CALCULATORS`).
    **options
        Keyword arguments of the calculator's constructor.

    Returns
    -------
    ase.calculators.calculator.Calculator
        A new calculator instance.

    Raises
    ------
    ConfigError
        Unknown name.
    MissingExtraError
        The calculator's package is not installed (the message names the extra).
    """
    key = str(name).lower()
    if key not in CALCULATORS:
        raise ConfigError(f"unknown calculator {name!r}; choose one of {sorted(CALCULATORS)}")
    return CALCULATORS[key](**options)


def calculator_version(name: str) -> str:
    """The version of the package behind calculator ``name`` (part of a cache key).

    Parameters
    ----------
    name : {"emt", "chgnet", "gpaw"}
        A built-in calculator name.

    Returns
    -------
    str
        The package's ``__version__``, or ``"not installed"``.
    """
    module = {"emt": "ase", "chgnet": "chgnet", "gpaw": "gpaw"}[name]
    try:
        return str(importlib.import_module(module).__version__)
    except (ImportError, AttributeError):
        return "not installed"
