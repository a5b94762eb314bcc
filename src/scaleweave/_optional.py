"""Optional libraries: import one, or stop with one line naming the extra that installs it."""

from __future__ import annotations

import importlib
import importlib.util
from types import ModuleType

from scaleweave.errors import MissingExtraError

__all__ = ["import_jax", "import_optional", "require_optional"]


def import_optional(module: str, needed_by: str, extra: str | None) -> ModuleType:
    """Import ``module`` for ``needed_by``; a missing one raises :class:`MissingExtraError`.

    Parameters
    ----------
    module : str
        Importable name (``"pybamm"``, ``"skfem"``).
    needed_by : str
        What needs it, for the message (``"the device bridge"``).
    extra : str or None
        The scaleweave extra that installs it; None: no extra does (say how instead
        in ``needed_by``).

    Examples
    --------
    >>> import_optional("math", "a doctest", "core").pi > 3
    True
    """
    try:
        return importlib.import_module(module)
    except ImportError as exc:
        how = f"pip install 'scaleweave[{extra}]'" if extra else f"pip install {module}"
        raise MissingExtraError(f"{needed_by} needs the optional package {module!r}: {how}"
                                ) from exc


def require_optional(modules: tuple[str, ...], needed_by: str, extra: str) -> None:
    """Check that ``modules`` are installed without importing them (cheap)."""
    for module in modules:
        if importlib.util.find_spec(module) is None:
            raise MissingExtraError(f"{needed_by} needs the optional package {module!r}: "
                                    f"pip install 'scaleweave[{extra}]'")


def import_jax(needed_by: str) -> ModuleType:
    """Import JAX in 64-bit mode (``jax_enable_x64``), for every fit the same way.

    JAX starts in 32-bit mode unless something switched it (PyBaMM does when it is
    imported), so without this a posterior would depend on which case ran earlier in
    the same process. Samplers run in double precision here whatever was imported
    before.
    """
    jax = import_optional("jax", needed_by, "bayes")
    jax.config.update("jax_enable_x64", True)
    return jax
