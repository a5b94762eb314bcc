"""scaleweave: multi-scale modeling with checked bridges and error bars.

Models live at one scale (:class:`Model` with unit-carrying :class:`Port` s); a
:class:`Study` joins them into a checked graph (hierarchical coupling); a
:class:`Coupler` advances time-stepping :class:`Submodel` s together with their own
steps (concurrent coupling); bridges report :class:`Validity` diagnostics; cases
write ``result.nc`` and ``summary.json`` through :func:`run_case`. Every engine and
bridge is in :mod:`scaleweave.engines`, :mod:`scaleweave.bridges` and
:mod:`scaleweave.adapters`; the core and the uncertainty layer are re-exported here.

Names are imported lazily so that ``import scaleweave`` and the CLI start fast.
"""

from __future__ import annotations

from scaleweave._lazy import lazy_exports
from scaleweave._version import __version__  # noqa: F401

# The core, the uncertainty layer and the errors, plus the entry points of a run;
# read from those modules' __all__, so the list cannot drift from the code.
__getattr__, __dir__ = lazy_exports(
    __name__, globals(), packages=["scaleweave.core", "scaleweave.uq"],
    modules=["scaleweave.errors", "scaleweave.runner", "scaleweave.cases.base",
             "scaleweave.report"])
