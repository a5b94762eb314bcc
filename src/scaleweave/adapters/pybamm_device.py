"""Device bridge: a transport coefficient from the lower scales into a PyBaMM cell model.

The last step of the battery chain maps what the atomistic and kinetic scales
predict (an ionic conductivity, and where it fits a diffusivity) onto the
parameters of a continuum cell model (PyBaMM's SPMe or DFN with a standard
parameter set) and predicts device-level quantities: the discharge capacity (A h),
the mean and end-of-discharge voltage (V) at a set of C-rates, the voltage curve,
and the capacity fall-off with C-rate.

Which PyBaMM parameters are mapped, and why
-------------------------------------------
``conductivity`` (S/m) -> ``"Electrolyte conductivity [S.m-1]"``
    The Li-ion conductivity of the ion conductor is used as the conductivity of
    the cell's ion-conducting phase (as for a solid electrolyte replacing the
    liquid one). PyBaMM's parameter sets give it as a function of electrolyte
    concentration and temperature, ``kappa(c_e, T)``. ``conductivity_mode="scale"``
    (default) keeps that shape and sets its magnitude:
    ``kappa(c_e, T) * sigma / sigma_ref`` with ``sigma_ref = kappa(c_e0, T_ref)``
    (:attr:`DeviceModel.reference_conductivity`), so feeding ``sigma_ref`` gives
    exactly PyBaMM's own model; ``"constant"`` replaces it by ``sigma`` everywhere
    (a single-ion solid conductor, whose conductivity does not depend on a salt
    concentration).
``diffusivity`` (m^2/s) -> an electrolyte or particle diffusivity
    One of PyBaMM's ``"Electrolyte diffusivity [m2.s-1]"``,
    ``"Positive particle diffusivity [m2.s-1]"`` and
    ``"Negative particle diffusivity [m2.s-1]"``, chosen by ``diffusivity_target``
    (``"electrolyte"``, ``"positive particle"``, ``"negative particle"``; default:
    not mapped). Use ``"positive particle"`` when
    the ion conductor simulated below is the positive electrode itself (e.g. Li in
    LiFePO4 with the ``Prada2013`` LFP/graphite set), ``"electrolyte"`` for a solid
    electrolyte. Same ``scale`` / ``constant`` modes.

Nothing else changes. This model applies no electric field of its own: the cell's
current is the driving force, and the conductivity port is tagged
``driving_force="electric_field"`` only when ``applies_field=True`` (so a study
catches a field applied both here, through sigma, and in the kMC, through a drift).

The PyBaMM model is built and discretised once per :class:`DeviceModel`
(conductivity/diffusivity factors and the current are ``InputParameter`` s); each
sample and C-rate is one solve of the built model (about 20-50 ms for SPMe on the
quick mesh). Samples are passed to PyBaMM as a list of inputs per C-rate.

Validity diagnostics (declared, so a study collects them; the model does not warn):
the smallest electrolyte concentration reached, relative to the initial one
(``electrolyte_depletion``); near 0 the electrolyte is depleted and the SPMe's
linearisation fails (Marquis et al. 2019, J. Electrochem. Soc. 166, A3693), so a DFN
is needed. And the discharges that did not reach a voltage cut-off within their time
span of 1.5 h/C (``discharges_without_cutoff``, limit 0): their capacity is what was
delivered by then, not the capacity to the cut-off.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np

from scaleweave._optional import import_optional
from scaleweave.core.model import Diagnostic, Model, Port
from scaleweave.errors import ConfigError, ModelError

__all__ = ["CUTOFF_DIAGNOSTIC", "DIFFUSIVITY_TARGETS", "QUICK_MESH", "DeviceModel",
           "pybamm_discharge"]

#: ``diffusivity_target`` -> PyBaMM parameter name.
DIFFUSIVITY_TARGETS: dict[str, str] = {
    "electrolyte": "Electrolyte diffusivity [m2.s-1]",
    "positive particle": "Positive particle diffusivity [m2.s-1]",
    "negative particle": "Negative particle diffusivity [m2.s-1]",
}

#: Coarse finite-volume mesh for quick runs (points per domain).
QUICK_MESH: dict[str, int] = {"x_n": 10, "x_s": 5, "x_p": 10, "r_n": 10, "r_p": 10}

#: The diagnostic of a discharge that ends at its time span, not at a voltage cut-off.
CUTOFF_DIAGNOSTIC = "discharges that did not reach a cut-off within 1.5 h/C (count)"

_CONDUCTIVITY = "Electrolyte conductivity [S.m-1]"
_CURRENT = "Current function [A]"
_SIGMA_IN = "scaleweave conductivity factor"
_D_IN = "scaleweave diffusivity factor"


def _pybamm() -> Any:
    return import_optional("pybamm", "the device bridge", "battery")


def _evaluate_reference(value: Any, args: Sequence[float], pybamm: Any) -> float:
    """A parameter's number: a constant, or a function evaluated at ``args``."""
    if callable(value):
        return float(value(*(pybamm.Scalar(a) for a in args)).evaluate())
    return float(value)


def _scaled(value: Any, factor: Any, mode: str, pybamm: Any) -> Any:
    """A PyBaMM parameter function: ``value * factor`` (scale) or ``factor`` (constant)."""
    if mode == "constant":
        def constant(*_: Any) -> Any:
            return factor * pybamm.Scalar(1.0)
        return constant
    if callable(value):
        def scaled(*args: Any) -> Any:
            return value(*args) * factor
        return scaled

    def scaled_const(*_: Any) -> Any:
        return pybamm.Scalar(float(value)) * factor
    return scaled_const


def pybamm_discharge(solution: Any, n_points: int) -> dict[str, Any]:
    """Capacity (A h), mean and end voltage (V), curve and depletion of one solved discharge.

    The voltage curve is sampled at ``n_points`` equally spaced fractions (0..1) of
    the delivered capacity.
    """
    q = np.asarray(solution["Discharge capacity [A.h]"].entries, dtype=float)
    v = np.asarray(solution["Voltage [V]"].entries, dtype=float)
    ce = np.asarray(solution["Electrolyte concentration [mol.m-3]"].entries, dtype=float)
    cap = float(q[-1])
    frac = np.linspace(0.0, 1.0, n_points)
    curve = np.interp(frac * cap, q, v) if cap > 0 else np.full(n_points, v[0])
    mean_v = float(np.trapezoid(v, q) / cap) if cap > 0 else float(v[0])
    return {"capacity": cap, "mean_voltage": mean_v, "end_voltage": float(v[-1]),
            "voltage_curve": curve, "min_ce": float(ce.min())}


class DeviceModel(Model):
    """A PyBaMM cell fed by a conductivity (and optionally a diffusivity) from below.

    Parameters
    ----------
    parameter_set : str
        A PyBaMM parameter set (``"Marquis2019"`` default: Kokam 0.68 A h cell;
        ``"Chen2020"``: LG M50 5 A h; ``"Prada2013"``: LFP/graphite A123 2.3 A h).
    model : {"SPMe", "DFN", "SPM"}
        PyBaMM lithium-ion model (SPMe default: cheap, with electrolyte transport).
    c_rates : sequence of float
        Constant-current discharge rates (1/h, multiples of the nominal capacity),
        ascending; default ``(1, 3)``.
    conductivity_mode : {"scale", "constant"} or None
        How the ``conductivity`` input maps (module notes); None: no such input.
    diffusivity_target : {"electrolyte", "positive particle", "negative particle"} or None
        Which diffusivity the ``diffusivity`` input sets; None (default): no such input.
    diffusivity_mode : {"scale", "constant"}
        As ``conductivity_mode``, for the diffusivity (reference at ``c_e0`` or
        stoichiometry 0.5, and the reference temperature).
    var_pts : dict, optional
        PyBaMM mesh; default :data:`QUICK_MESH` when ``quick``, else PyBaMM's own.
    quick : bool
        Coarse mesh (default True).
    n_points : int
        Points of the voltage curve.
    applies_field : bool
        Tag the conductivity port ``driving_force="electric_field"``.
    name : str
        Instance name in a study.

    Notes
    -----
    Outputs (per C-rate, with a leading sample axis when run as a batch):
    ``capacity`` (A h), ``mean_voltage`` (V), ``end_voltage`` (V; the cut-off when
    the discharge ends there), ``voltage_curve`` (V, ``n_rates x n_points`` over
    fractions of the delivered capacity), ``capacity_ratio`` (capacity at the highest
    over the lowest rate: the fall-off), ``electrolyte_depletion`` (smallest
    ``c_e / c_e0``) and ``discharges_without_cutoff`` (how many of the C-rates' discharges
    ended at the end of their time span, 1.5 h/C, instead of at a cut-off event). The
    last two are the model's diagnostics (:attr:`diagnostics`).
    """

    length_scale = 1e-4
    time_scale = 3600.0
    vectorized = True
    # 2: the discharges that miss a cut-off became an output (a diagnostic, once a warning)
    code_version = "2"
    identity = "adapters.pybamm_device"
    #: Electrolyte depletion: the smallest ``c_e / c_e0`` (worst sample) must stay >= 0.05;
    #: every discharge must reach a cut-off within its time span (worst sample: none missed).
    diagnostics = (Diagnostic("smallest c_e/c_e0 (electrolyte depletion)",
                              "electrolyte_depletion", 0.05, "ge"),
                   Diagnostic(CUTOFF_DIAGNOSTIC, "discharges_without_cutoff", 0.0, "le"))

    def __init__(self, *, parameter_set: str = "Marquis2019", model: str = "SPMe",
                 c_rates: Sequence[float] = (1.0, 3.0),
                 conductivity_mode: str | None = "scale",
                 diffusivity_target: str | None = None, diffusivity_mode: str = "scale",
                 var_pts: dict[str, int] | None = None, quick: bool = True,
                 n_points: int = 50, applies_field: bool = False,
                 name: str = "device") -> None:
        pybamm = _pybamm()
        rates = tuple(float(c) for c in c_rates)
        if not rates or any(not c > 0 for c in rates) or list(rates) != sorted(rates):
            raise ConfigError(f"device: c_rates must be positive and ascending, got {c_rates}")
        if conductivity_mode not in (None, "scale", "constant"):
            raise ConfigError(f"device: conductivity_mode {conductivity_mode!r} is not 'scale', "
                              "'constant' or None")
        if diffusivity_mode not in ("scale", "constant"):
            raise ConfigError(f"device: diffusivity_mode {diffusivity_mode!r} is not 'scale' or "
                              "'constant'")
        if diffusivity_target is not None and diffusivity_target not in DIFFUSIVITY_TARGETS:
            raise ConfigError(f"device: diffusivity_target {diffusivity_target!r} is not one of "
                              f"{sorted(DIFFUSIVITY_TARGETS)} or None")
        if model not in ("SPMe", "DFN", "SPM"):
            raise ConfigError(f"device: model {model!r} is not 'SPMe', 'DFN' or 'SPM'")
        if int(n_points) < 2:
            raise ConfigError(f"device: n_points must be >= 2, got {n_points}")
        try:
            params = pybamm.ParameterValues(parameter_set)
        except Exception as exc:
            raise ConfigError(f"device: unknown PyBaMM parameter set {parameter_set!r}: "
                              f"{exc}") from exc
        self.parameter_set = parameter_set
        self.model = model
        self.c_rates = rates
        self.conductivity_mode = conductivity_mode
        self.diffusivity_target = diffusivity_target
        self.diffusivity_mode = diffusivity_mode
        self.var_pts, self.quick, self.applies_field = var_pts, quick, applies_field
        self._var_pts = dict(var_pts) if var_pts is not None else (
            dict(QUICK_MESH) if quick else None)
        self.n_points = int(n_points)
        self.name = name
        self.nominal_capacity = float(params["Nominal cell capacity [A.h]"])
        self.initial_ce = float(params["Initial concentration in electrolyte [mol.m-3]"])
        t_ref = float(params["Reference temperature [K]"])
        #: The parameter set's conductivity at the initial electrolyte concentration
        #: and the reference temperature (S/m): the ``conductivity`` default.
        self.reference_conductivity = _evaluate_reference(
            params[_CONDUCTIVITY], (self.initial_ce, t_ref), pybamm)
        inputs: list[Port] = []
        updates: dict[str, Any] = {_CURRENT: "[input]"}
        if conductivity_mode is not None:
            inputs.append(Port(
                "conductivity", "S/m", default=self.reference_conductivity,
                description=f"ionic conductivity -> {_CONDUCTIVITY} ({conductivity_mode})",
                driving_force="electric_field" if applies_field else None))
            updates[_CONDUCTIVITY] = _scaled(params[_CONDUCTIVITY],
                                             pybamm.InputParameter(_SIGMA_IN),
                                             conductivity_mode, pybamm)
        self.reference_diffusivity = math.nan
        if diffusivity_target is not None:
            pname = DIFFUSIVITY_TARGETS[diffusivity_target]
            ref_arg = self.initial_ce if diffusivity_target == "electrolyte" else 0.5
            self.reference_diffusivity = _evaluate_reference(params[pname], (ref_arg, t_ref),
                                                             pybamm)
            inputs.append(Port("diffusivity", "m^2/s", default=self.reference_diffusivity,
                               description=f"diffusivity -> {pname} ({diffusivity_mode})"))
            updates[pname] = _scaled(params[pname], pybamm.InputParameter(_D_IN),
                                     diffusivity_mode, pybamm)
        if not inputs:
            self.vectorized = False
        self.inputs = tuple(inputs)  # type: ignore[misc]
        n = len(rates)
        self.outputs = (  # type: ignore[misc]
            Port("capacity", "A*h", (n,), description="discharge capacity per C-rate"),
            Port("mean_voltage", "V", (n,), description="capacity-averaged voltage"),
            Port("end_voltage", "V", (n,), description="voltage at the end of discharge"),
            Port("voltage_curve", "V", (n, self.n_points),
                 description="voltage at fractions 0..1 of the delivered capacity"),
            Port("capacity_ratio", "", description="capacity at highest / lowest C-rate"),
            Port("electrolyte_depletion", "", description="smallest c_e / c_e0 reached"),
            Port("discharges_without_cutoff", "",
                 description="discharges that did not reach a cut-off within 1.5 h/C"),
        )
        params.update(updates, check_already_exists=False)
        self._params = params
        self._sim = pybamm.Simulation(getattr(pybamm.lithium_ion, model)(),
                                      parameter_values=params, var_pts=self._var_pts)
        self._built = False

    @property
    def fraction_grid(self) -> np.ndarray:
        """Fractions of the delivered capacity at which ``voltage_curve`` is sampled."""
        return np.linspace(0.0, 1.0, self.n_points)

    def _pb_inputs(self, sigma: float | None, diff: float | None, current: float) -> dict:
        out: dict[str, float] = {_CURRENT: float(current)}
        if self.conductivity_mode is not None:
            s = float(sigma)  # type: ignore[arg-type]
            if not s > 0:
                raise ConfigError(f"model {self.name!r} input 'conductivity' must be > 0 S/m, "
                                  f"got {s}")
            out[_SIGMA_IN] = s if self.conductivity_mode == "constant" else (
                s / self.reference_conductivity)
        if self.diffusivity_target is not None:
            d = float(diff)  # type: ignore[arg-type]
            if not d > 0:
                raise ConfigError(f"model {self.name!r} input 'diffusivity' must be > 0 m^2/s, "
                                  f"got {d}")
            out[_D_IN] = d if self.diffusivity_mode == "constant" else (
                d / self.reference_diffusivity)
        return out

    def _run(self, inputs: dict[str, Any]) -> dict[str, Any]:
        pybamm = _pybamm()
        sig = inputs.get("conductivity")
        dif = inputs.get("diffusivity")
        first = sig if sig is not None else dif
        batched = first is not None and np.ndim(first) == 1
        n_s = int(np.shape(first)[0]) if batched else 1
        sig_s = np.broadcast_to(np.asarray(sig, dtype=float), (n_s,)) if sig is not None else [
            None] * n_s
        dif_s = np.broadcast_to(np.asarray(dif, dtype=float), (n_s,)) if dif is not None else [
            None] * n_s
        n_r = len(self.c_rates)
        cap = np.empty((n_s, n_r))
        mean_v = np.empty((n_s, n_r))
        end_v = np.empty((n_s, n_r))
        curve = np.empty((n_s, n_r, self.n_points))
        min_ce = np.empty((n_s, n_r))
        missed = np.zeros(n_s)
        for j, c in enumerate(self.c_rates):
            current = c * self.nominal_capacity
            pb = [self._pb_inputs(sig_s[i], dif_s[i], current) for i in range(n_s)]
            t_end = 1.5 * 3600.0 / c
            if not self._built:
                self._sim.build(inputs=pb[0])
                self._built = True
            try:
                sols = self._sim.solve([0.0, t_end], inputs=pb if n_s > 1 else pb[0])
            except pybamm.SolverError as exc:
                raise ModelError(f"device: PyBaMM {self.model} with {self.parameter_set} "
                                 f"failed at {c}C: {exc}") from exc
            sols = sols if isinstance(sols, list) else [sols]
            for i, sol in enumerate(sols):
                if "event" not in str(sol.termination):  # ended at t_end: a diagnostic
                    missed[i] += 1
                d = pybamm_discharge(sol, self.n_points)
                cap[i, j], mean_v[i, j], end_v[i, j] = d["capacity"], d["mean_voltage"], \
                    d["end_voltage"]
                curve[i, j] = d["voltage_curve"]
                min_ce[i, j] = d["min_ce"]
        out = {
            "capacity": cap * 3600.0,  # A h -> C
            "mean_voltage": mean_v,
            "end_voltage": end_v,
            "voltage_curve": curve,
            "capacity_ratio": cap[:, -1] / cap[:, 0],
            "electrolyte_depletion": min_ce.min(axis=1) / self.initial_ce,
            "discharges_without_cutoff": missed,
        }
        return out if batched else {k: v[0] for k, v in out.items()}

    @property
    def mesh(self) -> dict[str, int] | None:
        """The PyBaMM mesh used (``var_pts``, or the quick mesh; None: PyBaMM's own)."""
        return self._var_pts

    def cache_parameters(self) -> dict[str, Any]:
        """The parameter set, model, mesh, rates and mappings (for a content-hash key)."""
        return {"parameter_set": self.parameter_set, "model": self.model,
                "c_rates": list(self.c_rates), "var_pts": self._var_pts,
                "conductivity_mode": self.conductivity_mode,
                "diffusivity_target": self.diffusivity_target,
                "diffusivity_mode": self.diffusivity_mode, "n_points": self.n_points,
                "pybamm": str(_pybamm().__version__)}
