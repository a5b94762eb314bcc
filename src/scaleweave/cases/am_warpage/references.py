"""The ``am-warpage`` references: the Hill bounds and exact layer eigenstrains, from the
parameters alone.

The comparisons whose expected value needs the run's own layer (Levin's relation with
the FFT ``K*``; FE against plate theory and Timoshenko with the homogenized layer) are
diagnostics of the solvers on this run, reported as validity by the analysis.
"""

from __future__ import annotations

from scaleweave.core.checks import Reference, SkippedReference
from scaleweave.core.parameters import ParameterValues

__all__ = ["references"]

_HILL = "Hill (1952, Proc. Phys. Soc. A 65, 349): Voigt/Reuss bound any microstructure"
_UNIFORM = ("uniform stiffness: eps* = <eps> exactly; 0/90 tracks: (eps_L + eps_T)/2 in "
            "plane (issue 8)")
_090 = "0/90 layer eigenstrain eps*_xx vs (eps_L + eps_T)/2"


def references(p: ParameterValues) -> list[Reference | SkippedReference]:
    """Hill's bounds on ``C*`` and the uniform-stiffness ``eps*`` of the chosen layers."""
    from scaleweave.cases.am_warpage.study import layer_settings
    from scaleweave.engines.geometry.microstructure import scan_angles

    refs: list[Reference | SkippedReference] = [
        Reference("layer stiffness below the Voigt bound (min eig of (C_V - C*)/|C_V|)",
                  "layer_voigt_margin", 0.0, 1e-9, _HILL, "ge"),
        Reference("layer stiffness above the Reuss bound (min eig of (C* - C_R)/|C*|)",
                  "layer_reuss_margin", 0.0, 1e-9, _HILL, "ge"),
    ]
    # the RVE's dense layers are equal slabs, so <eps> is the mean over its layers
    layer = layer_settings(p)
    mean = layer.track.mean_eigenstrain(scan_angles(layer.strategy, int(layer.n_layers)))
    for i, ax in ((0, "xx"), (1, "yy")):
        refs.append(Reference(f"layer eigenstrain eps*_{ax}, equal track stiffness, vs the "
                              "volume mean", f"uniform_layer_eps_{ax}", float(mean[i, i]),
                              1e-6, _UNIFORM))
    if p["strategy"] != "0/90":
        refs.append(SkippedReference(_090, f"the scan strategy is {p['strategy']!r}"))
    elif int(p["rve_layers"]) % 2:
        refs.append(SkippedReference(_090, f"an odd number of RVE layers "
                                     f"({int(p['rve_layers'])}) is not a 0/90 repeat"))
    else:
        refs.append(Reference(_090, "uniform_layer_eps_xx",
                              0.5 * (p["eps_long"] + p["eps_trans"]), 1e-6, _UNIFORM))
    return refs

