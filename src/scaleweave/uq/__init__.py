"""Uncertainty through the scales: sampling, propagation, p-boxes, sensitivity, surrogates.

Distributions themselves (aleatory or epistemic, with units) are in
:mod:`scaleweave.core.distributions`, because case parameters are read into them.
"""

from scaleweave.uq.propagate import PropagationResult, batch_evaluator, plan, propagate
from scaleweave.uq.sampling import box_vertices, unit_samples
from scaleweave.uq.sensitivity import SobolIndices, SobolResult, sobol_analysis, sobol_indices
from scaleweave.uq.surrogate import (
    ExtrapolationError,
    PCESurrogate,
    SurrogateModel,
    train_surrogate,
)

__all__ = [
    "ExtrapolationError",
    "PCESurrogate",
    "PropagationResult",
    "SobolIndices",
    "SobolResult",
    "SurrogateModel",
    "batch_evaluator",
    "box_vertices",
    "plan",
    "propagate",
    "sobol_analysis",
    "sobol_indices",
    "train_surrogate",
    "unit_samples",
]
