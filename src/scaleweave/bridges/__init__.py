"""Bridges: what carries a quantity from one scale to the next, with its validity diagnostics.

Names are imported lazily: ``import scaleweave.bridges`` stays cheap and an
optional library loads only when a name that needs it is used.
"""

from __future__ import annotations

from scaleweave._lazy import lazy_exports

_EXPORTS = {
    "BOLTZMANN": "scaleweave.bridges.arrhenius",
    "ELEMENTARY_CHARGE": "scaleweave.bridges.arrhenius",
    "MIN_BARRIER_OVER_KT": "scaleweave.bridges.arrhenius",
    "ArrheniusModel": "scaleweave.bridges.arrhenius",
    "arrhenius_rate": "scaleweave.bridges.arrhenius",
    "arrhenius_validity": "scaleweave.bridges.arrhenius",
    "barrier_over_kt": "scaleweave.bridges.arrhenius",
    "CALCULATORS": "scaleweave.bridges.barrier",
    "BarrierModel": "scaleweave.bridges.barrier",
    "BarrierResult": "scaleweave.bridges.barrier",
    "HopPath": "scaleweave.bridges.barrier",
    "NEBSettings": "scaleweave.bridges.barrier",
    "au_al100_adatom_hop": "scaleweave.bridges.barrier",
    "harmonic_frequencies": "scaleweave.bridges.barrier",
    "lifepo4_b_channel_hop": "scaleweave.bridges.barrier",
    "make_calculator": "scaleweave.bridges.barrier",
    "neb_barrier": "scaleweave.bridges.barrier",
    "vineyard_prefactor": "scaleweave.bridges.barrier",
    "hashin_shtrikman_bulk": "scaleweave.bridges.bounds",
    "hashin_shtrikman_conductivity": "scaleweave.bridges.bounds",
    "hashin_shtrikman_shear": "scaleweave.bridges.bounds",
    "levin_expansion": "scaleweave.bridges.bounds",
    "mori_tanaka": "scaleweave.bridges.bounds",
    "mori_tanaka_conductivity": "scaleweave.bridges.bounds",
    "reuss": "scaleweave.bridges.bounds",
    "voigt": "scaleweave.bridges.bounds",
    "DIFFUSIVITY_TARGETS": "scaleweave.bridges.device",
    "QUICK_MESH": "scaleweave.bridges.device",
    "DeviceModel": "scaleweave.bridges.device",
    "pybamm_discharge": "scaleweave.bridges.device",
    "Design": "scaleweave.bridges.hierarchical",
    "HierarchicalFit": "scaleweave.bridges.hierarchical",
    "Prior": "scaleweave.bridges.hierarchical",
    "choose_parameterisation": "scaleweave.bridges.hierarchical",
    "fit_hierarchical": "scaleweave.bridges.hierarchical",
    "push_forward": "scaleweave.bridges.hierarchical",
    "MultirateChain": "scaleweave.bridges.multirate",
    "local_step_limits": "scaleweave.bridges.multirate",
    "partition_chain": "scaleweave.bridges.multirate",
    "ScaleSelectionFit": "scaleweave.bridges.occupancy",
    "detection_loglik": "scaleweave.bridges.occupancy",
    "fit_scale_selection": "scaleweave.bridges.occupancy",
    "make_sampler": "scaleweave.bridges.occupancy",
    "simulate_detections": "scaleweave.bridges.occupancy",
    "LayerByLayer": "scaleweave.bridges.plate",
    "edge_deflection": "scaleweave.bridges.plate",
    "layer_by_layer": "scaleweave.bridges.plate",
    "plane_strain_beam": "scaleweave.bridges.plate",
    "stack_curvature": "scaleweave.bridges.plate",
    "stoney_curvature": "scaleweave.bridges.plate",
    "timoshenko_curvature": "scaleweave.bridges.plate",
    "QSSAReduction": "scaleweave.bridges.qssa",
    "michaelis_menten_epsilon": "scaleweave.bridges.qssa",
    "qssa_reduce": "scaleweave.bridges.qssa",
    "square_array_conductivity": "scaleweave.bridges.rayleigh",
    "square_lattice_sums": "scaleweave.bridges.rayleigh",
    "DriftConductivityModel": "scaleweave.bridges.transport",
    "NernstEinsteinModel": "scaleweave.bridges.transport",
    "OhmicConductorModel": "scaleweave.bridges.transport",
    "diffusivity_from_msd": "scaleweave.bridges.transport",
    "drift_conductivity": "scaleweave.bridges.transport",
    "linear_response_validity": "scaleweave.bridges.transport",
    "nernst_einstein_conductivity": "scaleweave.bridges.transport",
    "random_walk_diffusivity": "scaleweave.bridges.transport",
}

__all__ = sorted(_EXPORTS)
__getattr__, __dir__ = lazy_exports(__name__, _EXPORTS, globals())
