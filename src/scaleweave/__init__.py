"""scaleweave: multi-scale modeling with checked bridges and error bars.

Models live at one scale (:class:`Model` with unit-carrying :class:`Port` s); a
:class:`Study` joins them into a checked graph (hierarchical coupling); a
:class:`Coupler` advances time-stepping :class:`Submodel` s together with their own
steps (concurrent coupling); bridges report :class:`Validity` diagnostics; cases
write ``result.nc`` and ``summary.json`` through :func:`run_case`. Every engine and
bridge is in :mod:`scaleweave.engines` and :mod:`scaleweave.bridges`; the most used
are re-exported here.

Names are imported lazily so that ``import scaleweave`` and the CLI start fast.
"""

from __future__ import annotations

from scaleweave._lazy import lazy_exports
from scaleweave._version import __version__

_EXPORTS = {
    "Model": "scaleweave.core.model",
    "Port": "scaleweave.core.model",
    "FunctionModel": "scaleweave.core.model",
    "model_from_function": "scaleweave.core.model",
    "Study": "scaleweave.core.study",
    "StudyResult": "scaleweave.core.study",
    "Link": "scaleweave.core.study",
    "Coupler": "scaleweave.core.coupler",
    "CouplerStats": "scaleweave.core.coupler",
    "Exchange": "scaleweave.core.coupler",
    "Submodel": "scaleweave.core.coupler",
    "Waveform": "scaleweave.core.waveform",
    "LinearWaveform": "scaleweave.core.waveform",
    "HermiteWaveform": "scaleweave.core.waveform",
    "HoldWaveform": "scaleweave.core.waveform",
    "Parameter": "scaleweave.core.parameters",
    "ParameterValues": "scaleweave.core.parameters",
    "resolve_parameters": "scaleweave.core.parameters",
    "read_config": "scaleweave.core.parameters",
    "Uncertain": "scaleweave.core.distributions",
    "Normal": "scaleweave.core.distributions",
    "LogNormal": "scaleweave.core.distributions",
    "Uniform": "scaleweave.core.distributions",
    "Truncated": "scaleweave.core.distributions",
    "Interval": "scaleweave.core.distributions",
    "parse_distribution": "scaleweave.core.distributions",
    "propagate": "scaleweave.uq",
    "PropagationResult": "scaleweave.uq",
    "sobol_analysis": "scaleweave.uq",
    "PCESurrogate": "scaleweave.uq",
    "train_surrogate": "scaleweave.uq",
    "ReferenceCheck": "scaleweave.core.checks",
    "Validity": "scaleweave.core.checks",
    "CaseResult": "scaleweave.core.results",
    "Output": "scaleweave.core.results",
    "write_result": "scaleweave.core.results",
    "ureg": "scaleweave.core.units",
    "Quantity": "scaleweave.core.units",
    "Case": "scaleweave.cases.base",
    "RunContext": "scaleweave.cases.base",
    "run_case": "scaleweave.runner",
    "build_report": "scaleweave.report",
    "Reaction": "scaleweave.engines",
    "ReactionNetwork": "scaleweave.engines",
    "ssa_ensemble": "scaleweave.engines",
    "tau_leap_ensemble": "scaleweave.engines",
    "HybridPolicy": "scaleweave.engines",
    "hybrid_ensemble": "scaleweave.engines",
    "read_sbml": "scaleweave.engines",
    "ReactionDiffusion": "scaleweave.engines",
    "effective_conductivity": "scaleweave.engines",
    "effective_elasticity": "scaleweave.engines",
    "standard_lattice": "scaleweave.engines",
    "lattice_from_atoms": "scaleweave.engines",
    "KMCModel": "scaleweave.engines",
    "run_kmc": "scaleweave.engines",
    "qssa_reduce": "scaleweave.bridges",
    "ArrheniusModel": "scaleweave.bridges",
    "NernstEinsteinModel": "scaleweave.bridges",
    "BarrierModel": "scaleweave.bridges",
    "DeviceModel": "scaleweave.bridges",
    "fit_hierarchical": "scaleweave.bridges",
    "push_forward": "scaleweave.bridges",
    "fit_scale_selection": "scaleweave.bridges",
    "voigt": "scaleweave.bridges",
    "reuss": "scaleweave.bridges",
    "hashin_shtrikman_conductivity": "scaleweave.bridges",
    "layer_by_layer": "scaleweave.bridges",
    "ConfigError": "scaleweave.errors",
    "CouplingError": "scaleweave.errors",
    "ModelError": "scaleweave.errors",
    "NonFiniteError": "scaleweave.errors",
    "StabilityError": "scaleweave.errors",
    "UnitError": "scaleweave.errors",
    "ValidityWarning": "scaleweave.errors",
    "MissingExtraError": "scaleweave.errors",
}

__all__ = ["__version__", *_EXPORTS]
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
