"""Engines: the solvers that live at one scale (reaction networks, SSA, kMC, FFT RVEs, ...).

Names are imported lazily: ``import scaleweave.engines`` stays cheap and an
optional library loads only when a name that needs it is used.
"""

from __future__ import annotations

import importlib
from typing import Any

_EXPORTS = {
    "HomogenizationResult": "scaleweave.engines.fft_homogenization",
    "check_stiffness": "scaleweave.engines.fft_homogenization",
    "effective_conductivity": "scaleweave.engines.fft_homogenization",
    "effective_elasticity": "scaleweave.engines.fft_homogenization",
    "frequency_vectors": "scaleweave.engines.fft_homogenization",
    "isotropic_stiffness": "scaleweave.engines.fft_homogenization",
    "mandel_basis": "scaleweave.engines.fft_homogenization",
    "plane_strain_stiffness": "scaleweave.engines.fft_homogenization",
    "property_change": "scaleweave.engines.fft_homogenization",
    "rotate_stiffness": "scaleweave.engines.fft_homogenization",
    "rve_size_validity": "scaleweave.engines.fft_homogenization",
    "transversely_isotropic_stiffness": "scaleweave.engines.fft_homogenization",
    "FireHistory": "scaleweave.engines.fire_landscape",
    "class_proportions": "scaleweave.engines.fire_landscape",
    "disk_kernel": "scaleweave.engines.fire_landscape",
    "fire_classes": "scaleweave.engines.fire_landscape",
    "pyrodiversity": "scaleweave.engines.fire_landscape",
    "simulate_fire_history": "scaleweave.engines.fire_landscape",
    "smooth_field": "scaleweave.engines.fire_landscape",
    "HybridPolicy": "scaleweave.engines.hybrid",
    "HybridResult": "scaleweave.engines.hybrid",
    "hybrid_ensemble": "scaleweave.engines.hybrid",
    "hybrid_trajectory": "scaleweave.engines.hybrid",
    "stochastic_round": "scaleweave.engines.hybrid",
    "KMCModel": "scaleweave.engines.kmc",
    "KMCResult": "scaleweave.engines.kmc",
    "LatticeGasResult": "scaleweave.engines.kmc",
    "hop_rate_classes": "scaleweave.engines.kmc",
    "run_kmc": "scaleweave.engines.kmc",
    "run_lattice_gas": "scaleweave.engines.kmc",
    "STANDARD_LATTICES": "scaleweave.engines.lattice",
    "Lattice": "scaleweave.engines.lattice",
    "lattice_from_atoms": "scaleweave.engines.lattice",
    "periodic_lattice": "scaleweave.engines.lattice",
    "standard_lattice": "scaleweave.engines.lattice",
    "ScanTrackRVE": "scaleweave.engines.microstructure",
    "checkerboard": "scaleweave.engines.microstructure",
    "inclusion_array": "scaleweave.engines.microstructure",
    "laminate": "scaleweave.engines.microstructure",
    "random_centres": "scaleweave.engines.microstructure",
    "random_inclusions": "scaleweave.engines.microstructure",
    "scan_angles": "scaleweave.engines.microstructure",
    "scan_tracks": "scaleweave.engines.microstructure",
    "voronoi_grains": "scaleweave.engines.microstructure",
    "StripResult": "scaleweave.engines.plate_fe",
    "isotropic_plane_strain": "scaleweave.engines.plate_fe",
    "plane_strain_layer": "scaleweave.engines.plate_fe",
    "strip_warpage": "scaleweave.engines.plate_fe",
    "ReactionDiffusion": "scaleweave.engines.reaction_diffusion",
    "Reaction": "scaleweave.engines.reaction_network",
    "ReactionNetwork": "scaleweave.engines.reaction_network",
    "rate_equations": "scaleweave.engines.reaction_network",
    "rate_jacobian": "scaleweave.engines.reaction_network",
    "solve_rate_equations": "scaleweave.engines.reaction_network",
    "stochastic_rate": "scaleweave.engines.reaction_network",
    "read_sbml": "scaleweave.engines.sbml",
    "write_sbml": "scaleweave.engines.sbml",
    "ChainSegment": "scaleweave.engines.spring_chain",
    "chain_energy": "scaleweave.engines.spring_chain",
    "chain_forces": "scaleweave.engines.spring_chain",
    "chain_modes": "scaleweave.engines.spring_chain",
    "max_frequency": "scaleweave.engines.spring_chain",
    "modal_solution": "scaleweave.engines.spring_chain",
    "verlet": "scaleweave.engines.spring_chain",
    "ABSORBED": "scaleweave.engines.ssa",
    "LOWER": "scaleweave.engines.ssa",
    "MAX_EVENTS": "scaleweave.engines.ssa",
    "TIMEOUT": "scaleweave.engines.ssa",
    "UPPER": "scaleweave.engines.ssa",
    "FirstPassage": "scaleweave.engines.ssa",
    "check_output_times": "scaleweave.engines.ssa",
    "first_passage": "scaleweave.engines.ssa",
    "ssa_ensemble": "scaleweave.engines.ssa",
    "ssa_trajectory": "scaleweave.engines.ssa",
    "trajectory_seeds": "scaleweave.engines.ssa",
    "cao_tau": "scaleweave.engines.tau_leap",
    "highest_order": "scaleweave.engines.tau_leap",
    "tau_leap_ensemble": "scaleweave.engines.tau_leap",
    "tau_leap_trajectory": "scaleweave.engines.tau_leap",
}

__all__ = sorted(_EXPORTS)


def __getattr__(name: str) -> Any:
    if name in _EXPORTS:
        value = getattr(importlib.import_module(_EXPORTS[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'scaleweave.engines' has no attribute {name!r}")


def __dir__() -> list[str]:
    return __all__
