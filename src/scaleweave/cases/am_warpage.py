"""Case ``am-warpage``: scan-track eigenstrain -> layer RVE -> layer-by-layer build -> warpage.

The bottom-up bridge of the essay, worked on a 3D-printed (laser powder-bed) part:

1. **Track.** Each scan track carries an anisotropic eigenstrain (the inherent
   strain of the melt track: ``eps_L`` along the scan, ``eps_T`` across it and
   along the build direction) and a transversely isotropic stiffness about the
   scan direction.
2. **Layer RVE.** A periodic voxel cell of tracks laid with the scan strategy
   (0/90 alternating, 67-degree rotation, ...) and seeded lack-of-fusion pores is
   homogenized by the FFT engine (conjugate gradients): the layer's effective
   stiffness ``C*`` and eigenstrain ``eps*``, reported inside the Voigt/Reuss
   (Hill 1952) matrix bounds, with the Levin (1967) relation and the
   uniform-stiffness average as exact checks.
3. **Build.** Layers are deposited one by one on a substrate; each is bonded
   stress-free to the bent stack and then develops its eigenstrain. The warpage of
   a long strip (cylindrical bending along the first scan direction, plane strain)
   follows from multilayer beam theory and, independently, from a finite-element
   model with element birth (scikit-fem), compared in their common regime; a
   two-layer FE run is checked against Timoshenko's (1925) bilayer formula.
4. **Variability.** Two nominally identical parts never share a microstructure:
   the track pattern (scan-start offsets, track-width jitter, pore sites) and the
   porosity are aleatory inputs, propagated through the chain with the UQ layer
   into a distribution of curvature and edge deflection.

Sign convention (:mod:`scaleweave.bridges.homogenization.plate`): curvature ``kappa = d eps/dz``
with ``z`` up the build; a shrinking deposit gives ``kappa < 0`` and the ends of
the part lift (edge deflection > 0).
"""

from __future__ import annotations

import time
from typing import Any, ClassVar

import numpy as np
import xarray as xr

from scaleweave.cases.base import Case, RunContext
from scaleweave.core.checks import ReferenceCheck, Validity
from scaleweave.core.model import model_from_function
from scaleweave.core.parameters import Parameter, ParameterValues
from scaleweave.core.results import CaseResult, Output
from scaleweave.core.study import Study
from scaleweave.core.units import Quantity

__all__ = ["AMWarpageCase", "layer_rve"]

_HILL = "Hill (1952, Proc. Phys. Soc. A 65, 349): Voigt/Reuss bound any microstructure"


def _track_tensors(p: ParameterValues, angles: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Rotated track stiffness (Mandel 6x6, Pa) and eigenstrain (3x3) per scan angle."""
    from scaleweave.engines.continuum.fft_homogenization import (
        rotate_stiffness,
        transversely_isotropic_stiffness,
    )

    c = transversely_isotropic_stiffness(p["E_long"], p["E_trans"], p["nu_lt"], p["nu_tt"],
                                         p["G_lt"])
    stiff = np.array([rotate_stiffness(c, a) for a in angles])
    t = np.stack([np.cos(angles), np.sin(angles), np.zeros_like(angles)], axis=-1)
    eig = p["eps_trans"] * np.eye(3) + (p["eps_long"] - p["eps_trans"]) * np.einsum(
        "pi,pj->pij", t, t)
    return stiff, eig


def _iso_equivalent(c: np.ndarray) -> tuple[float, float]:
    """Voigt-averaged isotropic bulk and shear moduli of a 6x6 Mandel stiffness (Pa)."""
    k = float(np.sum(c[:3, :3])) / 9.0
    g = (float(np.trace(c[:3, :3])) - float(np.sum(c[:3, :3]) - np.trace(c[:3, :3])) / 2.0
         + 1.5 * float(np.trace(c[3:, 3:]))) / 15.0
    return k, g


def layer_rve(p: ParameterValues, porosity: float, rng: np.random.Generator, *,
              voxels: int | None = None, tracks: int | None = None,
              keep_fields: bool = False) -> dict[str, Any]:
    """Homogenize one layer RVE of the case; SI parameters in ``p``.

    Returns
    -------
    dict
        ``rve`` (:class:`~scaleweave.engines.geometry.microstructure.ScanTrackRVE`), ``result``
        (:class:`~scaleweave.engines.continuum.fft_homogenization.HomogenizationResult`),
        ``stiffness`` (per-phase Mandel, Pa), ``eigenstrain`` (per phase).
    """
    from scaleweave.engines.continuum.fft_homogenization import (
        effective_elasticity,
        isotropic_stiffness,
    )
    from scaleweave.engines.geometry.microstructure import scan_tracks

    n_tracks = int(tracks or p["tracks_per_cell"])
    nxy = int(voxels or p["voxels_per_track"]) * n_tracks
    n_layers = int(p["rve_layers"])
    nz = n_layers * max(2, round(nxy / n_tracks * p["layer_thickness_rve"] / p["track_width"]))
    rve = scan_tracks((nxy, nxy, nz), n_layers, 1.0 / n_tracks, p["strategy"],
                      porosity=porosity, jitter=p["jitter"], rng=rng,
                      pore_radius=p["pore_radius"] / p["track_width"])
    stiff, eig = _track_tensors(p, rve.angles)
    if rve.pore_phase is not None:
        k, g = _iso_equivalent(stiff[0])
        ratio = p["pore_stiffness_ratio"]
        stiff = np.concatenate([stiff, isotropic_stiffness(ratio * k, ratio * g)[None]])
        eig = np.concatenate([eig, np.zeros((1, 3, 3))])
    res = effective_elasticity(rve.phases, stiffness=stiff, eigenstrain=eig,
                               tol=p["fft_tolerance"], keep_fields=keep_fields)
    return {"rve": rve, "result": res, "stiffness": stiff, "eigenstrain": eig}


def _voigt_reuss(phases: np.ndarray, stiff: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Voigt (mean stiffness) and Reuss (inverse mean compliance) of a voxel RVE."""
    frac = np.bincount(phases.ravel(), minlength=len(stiff)) / phases.size
    c_v = np.einsum("p,pij->ij", frac, stiff)
    c_r = np.linalg.inv(np.einsum("p,pij->ij", frac, np.linalg.inv(stiff)))
    return c_v, c_r


def _loewner_margin(upper: np.ndarray, lower: np.ndarray) -> float:
    """Smallest eigenvalue of ``upper - lower`` relative to ``|upper|``: >= 0 if ordered."""
    d = upper - lower
    return float(np.linalg.eigvalsh(0.5 * (d + d.T)).min() / np.abs(upper).max())


def _beam_layer(c_eff: np.ndarray, eps_eff: np.ndarray) -> tuple[np.ndarray, np.ndarray,
                                                                 float, float]:
    from scaleweave.bridges.homogenization.plate import plane_strain_beam
    from scaleweave.engines.continuum.plate_fe import plane_strain_layer

    c2, e2 = plane_strain_layer(c_eff, eps_eff, axis=0)
    m, s = plane_strain_beam(c2, e2)
    return c2, e2, m, s


def _si(value: float, unit: str) -> Any:
    return Quantity(value, Quantity(1.0, unit or "dimensionless").to_base_units().units)


class AMWarpageCase(Case):
    """Scan-track eigenstrain homogenized over a layer RVE, stacked into part warpage."""

    name = "am-warpage"
    title = "Additive-manufacturing warpage: track eigenstrain -> layer RVE -> build -> warpage"
    description = (
        "Bottom-up homogenization in a 3D-printed part: anisotropic scan-track eigenstrain "
        "averaged over an FFT RVE of the scan strategy gives the layer's stiffness and "
        "eigenstrain (inside their bounds); layers deposited on a substrate give the warpage "
        "by multilayer plate theory and by finite elements; sampled track patterns and "
        "porosity give its aleatory distribution."
    )
    parameters = (
        Parameter("eps_long", -4e-3, "", "track eigenstrain along the scan direction",
                  low=-0.05, high=0.05),
        Parameter("eps_trans", -1.5e-3, "", "track eigenstrain across the scan and along "
                  "the build direction", low=-0.05, high=0.05),
        Parameter("E_long", 200.0, "GPa", "track Young's modulus along the scan", low=0.0,
                  low_open=True),
        Parameter("E_trans", 170.0, "GPa", "track Young's modulus across the scan",
                  low=0.0, low_open=True),
        Parameter("nu_lt", 0.3, "", "track Poisson's ratio nu_LT", low=-1.0, high=0.5),
        Parameter("nu_tt", 0.3, "", "track Poisson's ratio nu_TT", low=-1.0, high=0.5),
        Parameter("G_lt", 75.0, "GPa", "track axial shear modulus", low=0.0, low_open=True),
        Parameter("strategy", "0/90", "", "scan strategy (rotation between layers)",
                  choices=("0/90", "67", "unidirectional")),
        Parameter("track_width", 100.0, "um", "track (hatch) width", low=0.0, low_open=True),
        Parameter("layer_thickness_rve", 50.0, "um", "powder layer thickness in the RVE",
                  low=0.0, low_open=True),
        Parameter("porosity", "uniform(0.005, 0.03) aleatory", "",
                  "lack-of-fusion pore volume fraction", low=0.0, high=0.5, uncertain=True),
        Parameter("pattern", "uniform(0, 1) aleatory", "",
                  "track-pattern realisation (scan starts, width jitter, pore sites)",
                  low=0.0, high=1.0, uncertain=True),
        Parameter("jitter", 0.1, "", "relative track-width variation", low=0.0, high=0.9),
        Parameter("pore_radius", 30.0, "um", "lack-of-fusion pore radius", low=0.0,
                  low_open=True),
        Parameter("pore_stiffness_ratio", 1e-3, "", "pore stiffness / track stiffness "
                  "(a void as a very compliant phase)", low=0.0, low_open=True, high=0.1),
        Parameter("tracks_per_cell", 4, "", "tracks across the RVE", low=2, integer=True),
        Parameter("voxels_per_track", 6, "", "voxels across a track", low=2, integer=True),
        Parameter("rve_layers", 2, "", "powder layers in the RVE (0/90: even)", low=1,
                  integer=True),
        Parameter("fft_tolerance", 1e-6, "", "FFT equilibrium residual", low=0.0,
                  low_open=True, high=1e-2),
        Parameter("substrate_E", 200.0, "GPa", "substrate Young's modulus", low=0.0,
                  low_open=True),
        Parameter("substrate_nu", 0.3, "", "substrate Poisson's ratio", low=-1.0, high=0.5),
        Parameter("substrate_thickness", 3.0, "mm", "substrate thickness", low=0.0,
                  low_open=True),
        Parameter("deposit_layers", 10, "", "deposit increments (lumped powder layers)",
                  low=1, integer=True),
        Parameter("deposit_layer_thickness", 0.3, "mm", "thickness of a deposit increment",
                  low=0.0, low_open=True),
        Parameter("length", 100.0, "mm", "part length (strip in cylindrical bending)",
                  low=0.0, low_open=True),
        Parameter("fe_elements", 40, "", "finite elements along the half strip", low=4,
                  integer=True),
        Parameter("n_samples", 32, "", "aleatory samples of the track pattern and porosity",
                  low=2, integer=True),
    )
    samples_parameter = "n_samples"
    quick: ClassVar[dict[str, Any]] = {"n_samples": 8, "voxels_per_track": 4,
                                       "fe_elements": 24, "deposit_layers": 6,
                                       "deposit_layer_thickness": 0.5}
    requires: ClassVar[tuple[tuple[str, str], ...]] = (("skfem", "fem"),)

    def run(self, params: ParameterValues, ctx: RunContext) -> CaseResult:
        from scaleweave.bridges.homogenization.bounds import levin_expansion
        from scaleweave.bridges.homogenization.plate import (
            edge_deflection,
            layer_by_layer,
            timoshenko_curvature,
        )
        from scaleweave.cases._am_warpage_figures import figures
        from scaleweave.engines.continuum.fft_homogenization import (
            effective_elasticity,
            mandel_basis,
            property_change,
            rve_size_validity,
        )
        from scaleweave.engines.continuum.plate_fe import isotropic_plane_strain, strip_warpage
        from scaleweave.uq.propagate import propagate

        p = params
        timings: dict[str, float] = {}
        refs: list[ReferenceCheck] = []
        validity: list[Validity] = []
        outputs: dict[str, Output] = {}
        notes: list[str] = []
        por0 = float(p["porosity"])

        # -- 1-2. nominal layer RVE --------------------------------------------------------
        tic = time.perf_counter()
        nominal = layer_rve(p, por0, ctx.rng(0), keep_fields=True)
        res, rve = nominal["result"], nominal["rve"]
        c_eff, eps_eff = res.effective, res.effective_eigenstrain
        validity.extend(res.validity)
        validity.extend(rve_size_validity(p["track_width"],
                                          p["track_width"] / p["voxels_per_track"],
                                          p["track_width"] * p["tracks_per_cell"],
                                          min_features=2.0, warn=False))
        c_v, c_r = _voigt_reuss(rve.phases, nominal["stiffness"])
        mv, mr = _loewner_margin(c_v, c_eff), _loewner_margin(c_eff, c_r)
        refs.append(ReferenceCheck("layer stiffness below the Voigt bound (min eig of "
                                   "(C_V - C*)/|C_V|)", mv, 0.0, 1e-9, _HILL, "ge"))
        refs.append(ReferenceCheck("layer stiffness above the Reuss bound (min eig of "
                                   "(C* - C_R)/|C*|)", mr, 0.0, 1e-9, _HILL, "ge"))
        timings["layer_rve"] = time.perf_counter() - tic

        # -- exact checks on the same geometry ------------------------------------------
        tic = time.perf_counter()
        dense = layer_rve(p, 0.0, ctx.rng(0))["rve"]
        _, eig_d = _track_tensors(p, dense.angles)
        k_t, g_t = _iso_equivalent(nominal["stiffness"][0])
        n_ph = len(dense.angles)
        uni = effective_elasticity(dense.phases, [k_t] * n_ph, [g_t] * n_ph,
                                   eigenstrain=eig_d, tol=1e-10, keep_fields=False)
        mean_eig = eig_d[dense.phases].mean(axis=(0, 1, 2))
        src = ("uniform stiffness: eps* = <eps> exactly; 0/90 tracks: (eps_L + eps_T)/2 in "
               "plane (issue 8)")
        for i, ax in ((0, "xx"), (1, "yy")):
            refs.append(ReferenceCheck(f"layer eigenstrain eps*_{ax}, equal track stiffness, "
                                       "vs the volume mean", uni.effective_eigenstrain[i, i],
                                       mean_eig[i, i], 1e-6, src))
        if p["strategy"] == "0/90":
            refs.append(ReferenceCheck("0/90 layer eigenstrain eps*_xx vs (eps_L + eps_T)/2",
                                       uni.effective_eigenstrain[0, 0],
                                       0.5 * (p["eps_long"] + p["eps_trans"]), 1e-6, src))
        # Levin: porous layer with isotropic track material and isotropic eigenstrain
        if rve.pore_phase is not None:
            r_p = p["pore_stiffness_ratio"]
            two = (rve.phases == rve.pore_phase).astype(np.int64)
            a_t = (p["eps_long"] + 2.0 * p["eps_trans"]) / 3.0
            lev = effective_elasticity(two, [k_t, r_p * k_t], [g_t, r_p * g_t],
                                       eigenstrain=np.array([a_t * np.eye(3), np.zeros((3, 3))]),
                                       tol=1e-10, keep_fields=False)
            iso = np.einsum("mij,ij->m", mandel_basis(3), np.eye(3))
            k_star = 1.0 / (iso @ np.linalg.solve(lev.effective, iso))
            f = float(two.mean())
            refs.append(ReferenceCheck(
                "Levin relation, porous layer: FFT tr(eps*)/3 vs Levin with FFT K*",
                float(np.trace(lev.effective_eigenstrain) / 3.0),
                levin_expansion(k_star, [1 - f, f], [k_t, r_p * k_t], [a_t, 0.0]), 1e-5,
                "Levin (1967, Mech. Solids 2, 58): exact for two isotropic phases"))
        else:
            notes.append("Levin check left out: the nominal RVE has no pores")
        timings["exact_checks"] = time.perf_counter() - tic

        # -- RVE resolution and size changes (scale separation) ---------------------------
        tic = time.perf_counter()
        fine = layer_rve(p, por0, ctx.rng(0), voxels=int(p["voxels_per_track"]) + 2)
        big = layer_rve(p, por0, ctx.rng(0), tracks=2 * int(p["tracks_per_cell"]))
        for what, other, lim in (("resolution", fine, 0.03), ("RVE size", big, 0.03)):
            o = other["result"]
            validity.append(property_change(c_eff[0, 0], o.effective[0, 0], lim,
                                            f"layer C*_11 with {what}"))
            validity.append(property_change(eps_eff[0, 0], o.effective_eigenstrain[0, 0], lim,
                                            f"layer eps*_xx with {what}"))
        timings["rve_checks"] = time.perf_counter() - tic

        # -- 3. build: plate theory and FE -------------------------------------------------
        tic = time.perf_counter()
        hs, n_dep, hl = p["substrate_thickness"], int(p["deposit_layers"]), \
            p["deposit_layer_thickness"]
        length = p["length"]
        c_sub, e_sub = isotropic_plane_strain(p["substrate_E"], p["substrate_nu"], 0.0)
        m_sub = p["substrate_E"] / (1.0 - p["substrate_nu"] ** 2)
        c2, e2, m_lay, s_lay = _beam_layer(c_eff, eps_eff)
        plate = layer_by_layer(hs, m_sub, [hl] * n_dep, [m_lay] * n_dep, [s_lay] * n_dep)
        kappa_plate = plate.curvature
        thick = hs + n_dep * hl
        validity.append(Validity("plate", "part length / thickness (thin-part regime)",
                                 length / thick, 10.0, "ge"))
        rows = [max(2, round(2 * hs / hl))] + [1] * n_dep
        fe = strip_warpage([hs] + [hl] * n_dep, [c_sub] + [c2] * n_dep,
                           [e_sub] + [e2] * n_dep, length, elements_along=int(p["fe_elements"]),
                           rows_per_layer=rows)
        refs.append(ReferenceCheck("FE layer-by-layer curvature vs multilayer plate theory",
                                   fe.curvature, kappa_plate, 0.01,
                                   "successive deposition (Hsueh 2002, J. Appl. Phys. 91, "
                                   "9652); beam kinematics exact away from the ends"))
        refs.append(ReferenceCheck("FE edge deflection vs -kappa L^2/8 of plate theory",
                                   fe.edge_deflection, edge_deflection(kappa_plate, length),
                                   0.02, "uniform curvature; the free-end boundary layer "
                                   "(~ thickness) shifts it by O(h/L)"))
        bil = strip_warpage([hs, n_dep * hl], [c_sub, c2], [e_sub, e2], length,
                            elements_along=int(p["fe_elements"]), rows_per_layer=[4, 4])
        k_tim = timoshenko_curvature(m_sub, hs, m_lay, n_dep * hl, s_lay)
        refs.append(ReferenceCheck("FE bilayer curvature (deposit as one layer) vs Timoshenko",
                                   bil.curvature, k_tim, 0.01,
                                   "Timoshenko (1925, J. Opt. Soc. Am. 11, 233); issue 8: "
                                   "within 1 %"))
        timings["build"] = time.perf_counter() - tic

        # -- 4. aleatory variability through the UQ layer ----------------------------------
        tic = time.perf_counter()
        root = int(ctx.seed)

        def chain(porosity, pattern):
            por = np.atleast_1d(np.asarray(porosity, dtype=float))
            pat = np.atleast_1d(np.asarray(pattern, dtype=float))
            out = {k: np.empty(por.size) for k in ("curvature", "edge_deflection",
                                                   "eps_layer", "modulus", "porosity_voxel")}
            for i in range(por.size):
                rng = np.random.default_rng([root, int(pat[i] * 2**32)])
                r = layer_rve(p, float(por[i]), rng)
                _, _, m_i, s_i = _beam_layer(r["result"].effective,
                                             r["result"].effective_eigenstrain)
                k_i = layer_by_layer(hs, m_sub, [hl] * n_dep, [m_i] * n_dep,
                                     [s_i] * n_dep).curvature
                out["curvature"][i] = k_i
                out["edge_deflection"][i] = edge_deflection(k_i, length)
                out["eps_layer"][i] = s_i
                out["modulus"][i] = m_i
                out["porosity_voxel"][i] = r["rve"].porosity
            return out

        model = model_from_function(
            chain, inputs={"porosity": "", "pattern": ""},
            outputs={"curvature": "1/m", "edge_deflection": "m", "eps_layer": "",
                     "modulus": "Pa", "porosity_voxel": ""},
            name="warpage", length_scale=length, vectorized=True)
        study = Study([model])
        unc = {}
        for name in ("porosity", "pattern"):
            study.bind(name, f"warpage.{name}", value=_si(p[name], p.units[name]))
            if name in p.uncertain:
                unc[name] = p.uncertain[name]
        prop = None
        if unc:
            prop = propagate(study, unc, n=int(p["n_samples"]), method="mc", seed=ctx.seed,
                             evaluator=ctx.evaluator(study, "am-warpage"))
        else:
            notes.append("porosity and pattern fixed: no aleatory distribution")
        timings["variability"] = time.perf_counter() - tic

        # -- outputs ----------------------------------------------------------------------
        def dist(port: str, scale: float = 1.0) -> tuple[float | None, float | None]:
            if prop is None:
                return None, None
            s = prop.stats[f"warpage.{port}"]
            return s["q025"] * scale, s["q975"] * scale

        lo, hi = dist("curvature")
        outputs["curvature"] = Output(kappa_plate, "1/m", lo, hi,
                                      "part curvature, nominal RVE (plate theory); interval: "
                                      "2.5-97.5 % of the aleatory distribution")
        lo, hi = dist("edge_deflection", 1e3)
        outputs["edge_deflection"] = Output(edge_deflection(kappa_plate, length) * 1e3, "mm",
                                            lo, hi, "rise of the part's ends above its middle "
                                            "(plate theory); interval: aleatory 95 %")
        outputs["curvature_fe"] = Output(fe.curvature, "1/m",
                                         description="part curvature by FE (element birth)")
        outputs["edge_deflection_fe"] = Output(fe.edge_deflection * 1e3, "mm",
                                               description="edge deflection by FE")
        if prop is not None:
            s = prop.stats["warpage.edge_deflection"]
            outputs["edge_deflection_mean"] = Output(s["mean"] * 1e3, "mm", s["mean_lo"] * 1e3,
                                                     s["mean_hi"] * 1e3, "mean over parts "
                                                     "(95 % Monte Carlo interval of the mean)")
            outputs["edge_deflection_sd"] = Output(s["sd"] * 1e3, "mm",
                                                   description="part-to-part standard "
                                                   "deviation (aleatory)")
        for i, ax in enumerate(("xx", "yy", "zz")):
            outputs[f"layer_eps_{ax}"] = Output(float(eps_eff[i, i]), "",
                                                description=f"layer eigenstrain eps*_{ax}")
        for i, j in ((0, 0), (1, 1), (2, 2), (0, 1), (5, 5)):
            outputs[f"layer_C{i + 1}{j + 1}"] = Output(
                float(c_eff[i, j]) / 1e9, "GPa", float(c_r[i, j]) / 1e9,
                float(c_v[i, j]) / 1e9, f"layer stiffness C*_{i + 1}{j + 1} (Mandel); lo/hi: "
                "Reuss and Voigt", kind="bounds")
        outputs["layer_beam_modulus"] = Output(m_lay / 1e9, "GPa",
                                               description="layer modulus in cylindrical "
                                               "bending along x")
        outputs["fft_iterations"] = Output(float(max(res.iterations)), "",
                                           description="CG iterations, worst load case")

        # -- dataset ----------------------------------------------------------------------
        ds = xr.Dataset(
            {"curvature_plate": ("layer", plate.history, {"units": "1/m"}),
             "curvature_fe": ("layer", fe.history[1:], {"units": "1/m"}),
             "stack_height": ("layer", plate.height, {"units": "m"}),
             "layer_stiffness": (("mandel_i", "mandel_j"), c_eff, {"units": "Pa"}),
             "voigt_stiffness": (("mandel_i", "mandel_j"), c_v, {"units": "Pa"}),
             "reuss_stiffness": (("mandel_i", "mandel_j"), c_r, {"units": "Pa"}),
             "layer_eigenstrain": (("i", "j"), eps_eff, {"units": "1"})},
            coords={"layer": ("layer", np.arange(1, n_dep + 1), {"units": "1"})})
        if prop is not None:
            ds = xr.merge([ds, prop.dataset], compat="override")
        for name in list(ds.data_vars) + list(ds.coords):
            ds[name].attrs.setdefault("units", "1")
        ds.attrs["notes"] = "; ".join(notes)
        figs = figures(nominal, c_eff, c_v, c_r, eps_eff, mean_eig, fe, plate, prop, p)
        return CaseResult(dataset=ds, outputs=outputs, references=refs, validity=validity,
                          figures=figs, timings=timings,
                          failed_samples=prop.n_failed if prop is not None else 0)
