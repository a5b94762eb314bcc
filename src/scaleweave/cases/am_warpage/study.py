"""The ``am-warpage`` study (wiring) and the nominal stages derived from it.

The study is the aleatory chain, one sampled microstructure per row: the layer RVE
bridge (:class:`~scaleweave.bridges.homogenization.scan_track.LayerRVEModel`) feeds the
layer's beam modulus and mismatch to the build
(:class:`~scaleweave.bridges.homogenization.plate.LayerBuildModel`). The nominal layer,
its checks and the finite-element build are one-off engine runs, done by
:func:`analyse` through the run context's seeded streams.
"""

from __future__ import annotations

import time
from functools import partial
from typing import Any

import numpy as np
import xarray as xr

from scaleweave.bridges.homogenization.bounds import loewner_margin, voigt_isotropic_moduli
from scaleweave.bridges.homogenization.moduli import (
    bulk_modulus,
    voigt_reuss_range,
    young_modulus,
)
from scaleweave.bridges.homogenization.plate import (
    LayerBuildModel,
    beam_layer,
    edge_deflection,
    layer_by_layer,
    plane_strain_modulus,
    timoshenko_curvature,
)
from scaleweave.bridges.homogenization.scan_track import (
    LayerRVE,
    LayerRVEModel,
    ScanTrackLayer,
    TrackMaterial,
    free_layer_stress,
    levin_check,
    rve_convergence,
    uniform_stiffness_eigenstrain,
)
from scaleweave.cases.base import Analysis, CaseRuns, RunContext, Sampling
from scaleweave.core.checks import Validity
from scaleweave.core.parameters import ParameterValues
from scaleweave.core.results import Output
from scaleweave.core.study import Study

__all__ = ["analyse", "layer_settings", "sampling", "study"]

_MANDEL = ("mandel_i", "mandel_j")
#: Layer moduli that grow with the stiffness in the Loewner order, so Voigt/Reuss bound
#: them: output name, the modulus of a Mandel stiffness, what it is.
_MODULI = (
    *((f"layer_E_{ax}", partial(young_modulus, direction=np.eye(3)[i]),
       f"layer Young's modulus along {ax}") for i, ax in enumerate("xyz")),
    ("layer_bulk_modulus", bulk_modulus, "layer bulk modulus 1/(I:S*:I)"),
)
_VOXELS = ("rve_x", "rve_y", "rve_z")


def layer_settings(p: ParameterValues) -> ScanTrackLayer:
    """The track material and the layer RVE's settings (SI) from the case parameters."""
    track = TrackMaterial(p["E_long"], p["E_trans"], p["nu_lt"], p["nu_tt"], p["G_lt"],
                          p["eps_long"], p["eps_trans"])
    return ScanTrackLayer(track, p["strategy"], p["track_width"], p["layer_thickness_rve"],
                          int(p["rve_layers"]), int(p["tracks_per_cell"]),
                          int(p["voxels_per_track"]), p["jitter"], p["pore_radius"],
                          p["pore_stiffness_ratio"], p["fft_tolerance"])


def _build_model(p: ParameterValues) -> LayerBuildModel:
    return LayerBuildModel(substrate_thickness=p["substrate_thickness"],
                           substrate_modulus=plane_strain_modulus(p["substrate_E"],
                                                                  p["substrate_nu"]),
                           layers=int(p["deposit_layers"]),
                           layer_thickness=p["deposit_layer_thickness"], length=p["length"])


def study(p: ParameterValues, ctx: RunContext) -> dict[str, Study]:
    """One sampled part: layer RVE (porosity, pattern) -> layer-by-layer build -> warpage."""
    layer = LayerRVEModel(layer=layer_settings(p), seed=int(ctx.seed))
    return {"warpage": Study([layer, _build_model(p)]).connect_by_name()}


def sampling(label: str, p: ParameterValues) -> Sampling:
    """Plain Monte Carlo over the aleatory microstructure."""
    return Sampling(n=int(p["n_samples"]), method="mc")


def _rel(value: float, expected: float) -> float:
    return abs(value - expected) / abs(expected)


def _build(p: ParameterValues, nominal: LayerRVE) -> tuple[dict[str, Any], list[Validity]]:
    """The nominal part: plate theory, FE with element birth, and the FE bilayer."""
    from scaleweave.engines.continuum.plate_fe import isotropic_plane_strain, strip_warpage

    hs, n_dep, hl = p["substrate_thickness"], int(p["deposit_layers"]), \
        p["deposit_layer_thickness"]
    length, n_el = p["length"], int(p["fe_elements"])
    c_sub, e_sub = isotropic_plane_strain(p["substrate_E"], p["substrate_nu"], 0.0)
    m_sub = plane_strain_modulus(p["substrate_E"], p["substrate_nu"])
    beam = beam_layer(nominal.effective, nominal.effective_eigenstrain)
    plate = layer_by_layer(hs, m_sub, [hl] * n_dep, [beam.modulus] * n_dep,
                           [beam.mismatch] * n_dep)
    rows = [max(2, round(2 * hs / hl))] + [1] * n_dep
    fe = strip_warpage([hs] + [hl] * n_dep, [c_sub] + [beam.stiffness] * n_dep,
                       [e_sub] + [beam.eigenstrain] * n_dep, length, elements_along=n_el,
                       rows_per_layer=rows)
    bil = strip_warpage([hs, n_dep * hl], [c_sub, beam.stiffness], [e_sub, beam.eigenstrain],
                        length, elements_along=n_el, rows_per_layer=[4, 4])
    k_tim = timoshenko_curvature(m_sub, hs, beam.modulus, n_dep * hl, beam.mismatch)
    edge = edge_deflection(plate.curvature, length)
    validity = [
        Validity("plate", "FE layer-by-layer curvature vs multilayer plate theory (Hsueh "
                 "2002): relative difference", _rel(fe.curvature, plate.curvature), 0.01),
        Validity("plate", "FE edge deflection vs -kappa L^2/8 of plate theory: relative "
                 "difference (free-end boundary layer, O(h/L))",
                 _rel(fe.edge_deflection, edge), 0.02),
        Validity("plate", "FE bilayer curvature (deposit as one layer) vs Timoshenko (1925): "
                 "relative difference", _rel(bil.curvature, k_tim), 0.01),
    ]
    z_if = np.concatenate([[0.0], hs + hl * np.arange(n_dep + 1)])
    return {"beam": beam, "plate": plate, "fe": fe, "edge": edge, "interfaces": z_if}, validity


def _outputs(nominal: LayerRVE, bounds: tuple[np.ndarray, np.ndarray], eps_uniform: np.ndarray,
             build: dict[str, Any], prop: Any) -> dict[str, Output]:
    c_eff, eps_eff = nominal.effective, nominal.effective_eigenstrain
    c_v, c_r = bounds
    fe = build["fe"]

    def dist(port: str, scale: float = 1.0) -> tuple[float | None, float | None]:
        if prop is None:
            return None, None
        s = prop.stats[f"plate.{port}"]
        return s["q025"] * scale, s["q975"] * scale

    out = {"curvature": Output(build["plate"].curvature, "1/m", *dist("curvature"),
                               "part curvature, nominal RVE (plate theory); interval: "
                               "2.5-97.5 % of the aleatory distribution"),
           "edge_deflection": Output(build["edge"] * 1e3, "mm", *dist("edge_deflection", 1e3),
                                     "rise of the part's ends above its middle (plate "
                                     "theory); interval: aleatory 95 %"),
           "curvature_fe": Output(fe.curvature, "1/m",
                                  description="part curvature by FE (element birth)"),
           "edge_deflection_fe": Output(fe.edge_deflection * 1e3, "mm",
                                        description="edge deflection by FE")}
    if prop is not None:
        s = prop.stats["plate.edge_deflection"]
        out["edge_deflection_mean"] = Output(s["mean"] * 1e3, "mm", s["mean_lo"] * 1e3,
                                             s["mean_hi"] * 1e3, "mean over parts (95 % "
                                             "Monte Carlo interval of the mean)",
                                             error=s["mc_error"] * 1e3)
        out["edge_deflection_sd"] = Output(s["sd"] * 1e3, "mm", description="part-to-part "
                                           "standard deviation (aleatory)")
    for i, ax in enumerate(("xx", "yy", "zz")):
        out[f"layer_eps_{ax}"] = Output(float(eps_eff[i, i]), "",
                                        description=f"layer eigenstrain eps*_{ax}")
    for i, ax in enumerate(("xx", "yy")):
        out[f"uniform_layer_eps_{ax}"] = Output(
            float(eps_uniform[i, i]), "", description=f"layer eps*_{ax} of the dense RVE with "
            "one isotropic stiffness for every track (exactly the volume mean)")
    for i in (0, 1, 2, 5):  # a diagonal entry is the strain modulus of a basis mode
        out[f"layer_C{i + 1}{i + 1}"] = Output(
            float(c_eff[i, i]) / 1e9, "GPa", float(c_r[i, i]) / 1e9, float(c_v[i, i]) / 1e9,
            f"layer stiffness C*_{i + 1}{i + 1} (Mandel); lo/hi: Reuss and Voigt (a "
            "diagonal entry is e_i . C . e_i, bounded by the Loewner order)", kind="bounds")
    out["layer_C12"] = Output(float(c_eff[0, 1]) / 1e9, "GPa", description="layer stiffness "
                              "C*_12 (Mandel); an off-diagonal entry has no Voigt/Reuss bound")
    for name, modulus, what in _MODULI:
        lo, hi = voigt_reuss_range(c_v, c_r, modulus)
        out[name] = Output(modulus(c_eff) / 1e9, "GPa", lo / 1e9, hi / 1e9,
                           f"{what}; lo/hi: of the Reuss and Voigt tensors (Hill 1952)",
                           kind="bounds")
    out["layer_voigt_margin"] = Output(loewner_margin(c_v, c_eff), "", description="smallest "
                                       "eigenvalue of (C_V - C*)/|C_V| (>= 0: below Voigt)")
    out["layer_reuss_margin"] = Output(loewner_margin(c_eff, c_r), "", description="smallest "
                                       "eigenvalue of (C* - C_R)/|C*| (>= 0: above Reuss)")
    out["layer_beam_modulus"] = Output(build["beam"].modulus / 1e9, "GPa",
                                       description="layer modulus in cylindrical bending "
                                       "along x")
    out["fft_iterations"] = Output(float(max(nominal.result.iterations)), "",
                                   description="CG iterations, worst load case")
    return out


def _dataset(p: ParameterValues, layer: ScanTrackLayer, nominal: LayerRVE,
             bounds: tuple[np.ndarray, np.ndarray], build: dict[str, Any],
             prop: Any) -> xr.Dataset:
    """What the figures draw: the RVE and its micro-stress, bounds, the part, the samples."""
    rve, fe, plate = nominal.rve, build["fe"], build["plate"]
    n_dep = int(p["deposit_layers"])
    mean_eig = layer.track.mean_eigenstrain(rve.layer_angle)
    stress = free_layer_stress(nominal.result)[0, 0]
    pore = -1 if rve.pore_phase is None else int(rve.pore_phase)

    def scalar(value: float, units: str) -> tuple[tuple[()], float, dict[str, str]]:
        return (), float(value), {"units": units}

    ds = xr.Dataset(
        {"curvature_plate": ("layer", plate.history, {"units": "1/m"}),
         "curvature_fe": ("layer", fe.history[1:], {"units": "1/m"}),
         "stack_height": ("layer", plate.height, {"units": "m"}),
         "layer_interface": ("interface", build["interfaces"], {"units": "m"}),
         "layer_stiffness": (_MANDEL, nominal.effective, {"units": "Pa"}),
         "voigt_stiffness": (_MANDEL, bounds[0], {"units": "Pa"}),
         "reuss_stiffness": (_MANDEL, bounds[1], {"units": "Pa"}),
         "layer_eigenstrain": (("i", "j"), nominal.effective_eigenstrain, {"units": "1"}),
         "track_mean_eigenstrain": (("i", "j"), mean_eig, {"units": "1"}),
         "track_eps_long": scalar(layer.track.eps_long, "1"),
         "track_eps_trans": scalar(layer.track.eps_trans, "1"),
         "rve_phase": (_VOXELS, rve.phases, {"units": "1", "pore_phase": pore,
                                             "porosity": float(rve.porosity)}),
         "rve_track": (_VOXELS, rve.track, {"units": "1"}),
         "rve_layer_angle": ("rve_layer", rve.layer_angle, {"units": "rad"}),
         "free_stress_xx": (_VOXELS, stress, {"units": "Pa"}),
         "rve_side": scalar(layer.cell_size, "m"),
         "rve_height": scalar(layer.layer_thickness * len(rve.layer_angle), "m"),
         "fe_nodes": (("fe_axis", "fe_node"), fe.nodes, {"units": "m"}),
         "fe_displacement": (("fe_axis", "fe_node"), fe.displacement, {"units": "m"}),
         "fe_elements": (("fe_corner", "fe_element"), fe.elements, {"units": "1"}),
         "edge_deflection_fe": scalar(fe.edge_deflection, "m"),
         "edge_deflection_plate": scalar(build["edge"], "m"),
         "part_length": scalar(p["length"], "m")},
        coords={"layer": ("layer", np.arange(1, n_dep + 1), {"units": "1"})},
        attrs={"strategy": str(p["strategy"])})
    if prop is not None:
        ds = xr.merge([ds, prop.dataset], compat="override")
        s = prop.stats["plate.edge_deflection"]
        ds["plate.edge_deflection"].attrs.update(
            {k: float(s[k]) for k in ("mean", "q025", "q975")})
    for name in list(ds.data_vars) + list(ds.coords):
        ds[name].attrs.setdefault("units", "1")
    return ds


def analyse(runs: CaseRuns, ctx: RunContext) -> Analysis:
    """Nominal layer RVE, its exact and convergence checks, the FE build, the samples."""
    p = runs.params
    layer = layer_settings(p)
    timings: dict[str, float] = {}
    notes: list[str] = []
    por0 = float(p["porosity"])

    tic = time.perf_counter()
    nominal = layer.homogenize(por0, ctx.rng(0), keep_fields=True)
    validity = [*nominal.result.validity, *layer.size_validity()]
    bounds = nominal.bounds()
    timings["layer_rve"] = time.perf_counter() - tic

    # exact relations on the same geometry: the dense cell and the porous one
    tic = time.perf_counter()
    dense = layer.geometry(0.0, ctx.rng(0))
    k_t, g_t = voigt_isotropic_moduli(nominal.stiffness[0])
    eps_uniform = uniform_stiffness_eigenstrain(layer, dense, k_t, g_t)
    if nominal.rve.pore_phase is not None:
        validity.append(levin_check(layer, nominal.rve, k_t, g_t))
    else:
        notes.append("Levin check left out: the nominal RVE has no pores")
    timings["exact_checks"] = time.perf_counter() - tic

    tic = time.perf_counter()
    validity += rve_convergence(layer, por0, lambda: ctx.rng(0), nominal)
    timings["rve_checks"] = time.perf_counter() - tic

    tic = time.perf_counter()
    build, checks = _build(p, nominal)
    validity += checks
    timings["build"] = time.perf_counter() - tic

    prop = runs["warpage"].propagation
    if prop is None:
        notes.append("porosity and pattern fixed: no aleatory distribution")
    outputs = _outputs(nominal, bounds, eps_uniform, build, prop)
    ds = _dataset(p, layer, nominal, bounds, build, prop)
    return Analysis(outputs=outputs, dataset=ds, validity=validity, notes=notes,
                    timings=timings)
