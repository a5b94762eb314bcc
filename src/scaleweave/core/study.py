"""Hierarchical (sequential) coupling: a study graph of models joined by port names.

A :class:`Study` holds named model instances, links from output ports to input
ports, and external input values. :meth:`Study.validate` gathers *every* wiring
problem before anything runs (missing or doubly fed inputs, units of the wrong
dimension, shapes, cycles, the same driving force applied at two scales), one line
each naming the model, the port and the values. :meth:`Study.run` refuses to start
until that list is empty, then evaluates the models in topological order; values
travel between models as SI magnitudes, so compatible units are converted for free.

Examples
--------
>>> from scaleweave.core.model import model_from_function
>>> barrier = model_from_function(lambda: {"barrier": 0.3 * 1.602176634e-19},
...                               inputs={}, outputs={"barrier": "eV"}, name="dft")
>>> rate = model_from_function(
...     lambda barrier, temperature: {"rate": 1e13 * 2.718281828 ** (
...         -barrier / (1.380649e-23 * temperature))},
...     inputs={"barrier": "eV", "temperature": "K"}, outputs={"rate": "1/s"},
...     name="arrhenius")
>>> study = Study([barrier, rate]).connect_by_name()
>>> study = study.set_input("arrhenius.temperature", "300 K")
>>> round(study.run()["arrhenius.rate"].to("1/s").magnitude / 1e7, 3)
9.125

The module is one class (plus its result) whose building, checking and running
share the same private tables of ports, links and bindings; splitting them would
spread one invariant over several files.
"""

from __future__ import annotations

import difflib
import graphlib
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pint

from scaleweave.core.checks import Validity, apply_validity_policy, check_policy
from scaleweave.core.model import Model, Port
from scaleweave.core.units import Quantity, dimensionality, format_unit, parse_quantity, to_si
from scaleweave.errors import (
    ConfigError,
    CouplingError,
    UnitError,
)

__all__ = ["Link", "Study", "StudyResult"]


@dataclass(frozen=True)
class Link:
    """An edge of the study graph: ``source`` output feeds ``target`` input.

    Both ends are written ``"instance.port"``.
    """

    source: str
    target: str

    def __str__(self) -> str:
        return f"{self.source} -> {self.target}"


@dataclass
class StudyResult(Mapping[str, pint.Quantity]):
    """Every port value of a study run, keyed ``"instance.port"``, as quantities.

    Attributes
    ----------
    si : dict
        The same values as SI magnitudes.
    units : dict
        Declared unit of each port.
    timings : dict
        Wall time (s) of each model instance.
    validity : list of Validity
        Every model's declared diagnostics, evaluated on its outputs (the worst value
        over a batch); also after a cache hit.
    """

    si: dict[str, Any] = field(default_factory=dict)
    units: dict[str, str] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)
    validity: list[Validity] = field(default_factory=list)

    def __getitem__(self, key: str) -> pint.Quantity:
        return Quantity(self.si[key], Quantity(1.0, self.units[key]).to_base_units().units).to(
            self.units[key]
        )

    def __iter__(self):
        return iter(self.si)

    def __len__(self) -> int:
        return len(self.si)


def _split(ref: str) -> tuple[str, str]:
    if ref.count(".") != 1:
        raise ConfigError(f"port reference {ref!r} must be written 'model.port'")
    inst, port = ref.split(".")
    return inst, port


def _fmt_value(value: Any, unit: str) -> str:
    if isinstance(value, pint.Quantity):
        return f"{value:~P}"
    if isinstance(value, str):
        return value
    arr = np.asarray(value)
    text = f"{arr.item():.6g}" if arr.ndim == 0 else f"array{arr.shape}"
    return f"{text} {unit}".strip()


class Study:
    """A DAG of models joined by port names (hierarchical coupling).

    Parameters
    ----------
    models : iterable of Model or mapping of name -> Model
        The model instances. Without explicit names, each model's ``name`` is used.
    links : iterable of (str, str), optional
        ``("source.port", "target.port")`` pairs.
    """

    def __init__(
        self,
        models: Iterable[Model] | Mapping[str, Model] = (),
        links: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.models: dict[str, Model] = {}
        self.links: list[Link] = []
        self.values: dict[str, Any] = {}
        self.bindings: dict[str, tuple[str, ...]] = {}
        self.parameter_values: dict[str, Any] = {}
        items = models.items() if isinstance(models, Mapping) else ((m.name, m) for m in models)
        for name, model in items:
            self.add(model, name=name)
        for src, dst in links:
            self.connect(src, dst)

    # -- building ---------------------------------------------------------------------
    def add(self, model: Model, name: str | None = None) -> Study:
        """Add a model instance under ``name`` (default ``model.name``)."""
        name = name or model.name
        if not name.isidentifier():
            raise ConfigError(f"model name {name!r} must be an identifier (used in 'model.port')")
        if name in self.models:
            raise ConfigError(f"a model named {name!r} is already in the study")
        self.models[name] = model
        return self

    def connect(self, source: str, target: str) -> Study:
        """Link output ``source`` ("model.port") to input ``target`` ("model.port")."""
        _split(source), _split(target)
        self.links.append(Link(source, target))
        return self

    def connect_by_name(self) -> Study:
        """Link every input to every other model's output of the same port name.

        An input that two models offer by the same name gets two links, which
        :meth:`validate` then reports as fed twice: say which one you mean with
        :meth:`connect`.
        """
        producers: dict[str, list[str]] = {}
        for inst, model in self.models.items():
            for p in model.outputs:
                producers.setdefault(p.name, []).append(inst)
        existing = {lk.target for lk in self.links}
        for inst, model in self.models.items():
            for p in model.inputs:
                target = f"{inst}.{p.name}"
                if target in existing:
                    continue
                for src in producers.get(p.name, []):
                    if src != inst:
                        self.links.append(Link(f"{src}.{p.name}", target))
        return self

    def set_input(self, target: str, value: Any) -> Study:
        """Give an input port a value (a quantity, ``"300 K"``, or a number in its unit)."""
        _split(target)
        if target in self.values:
            raise ConfigError(
                f"input {target} is given twice: {self.values[target]!r} and {value!r}"
            )
        self.values[target] = value
        return self

    def bind(self, name: str, *targets: str, value: Any = None) -> Study:
        """Make ``name`` a study parameter feeding the input ports ``targets``.

        Parameters
        ----------
        name : str
            Parameter name (a case parameter, or an uncertain input to propagate).
        *targets : str
            ``"model.port"`` inputs it feeds (all of one dimension).
        value : quantity, str or number, optional
            Nominal value (a bare number is read in the first target's unit).
        """
        if not targets:
            raise ConfigError(f"study parameter {name!r} must feed at least one input port")
        for t in targets:
            _split(t)
        if name in self.bindings:
            raise ConfigError(f"study parameter {name!r} is bound twice")
        self.bindings[name] = tuple(targets)
        if value is not None:
            self.parameter_values[name] = value
        return self

    def parameter_unit(self, name: str) -> str:
        """Unit of the first input port a study parameter feeds."""
        inst, pname = _split(self.bindings[name][0])
        return self.models[inst].input_port(pname).unit

    # -- checking ---------------------------------------------------------------------
    def _port(self, ref: str, kind: str) -> tuple[str, Port] | str:
        inst, pname = _split(ref)
        if inst not in self.models:
            hint = difflib.get_close_matches(inst, list(self.models), n=1)
            more = f"; did you mean {hint[0]!r}?" if hint else f"; models are {list(self.models)}"
            return f"{ref}: no model named {inst!r} in the study{more}"
        model = self.models[inst]
        ports = model.outputs if kind == "output" else model.inputs
        for p in ports:
            if p.name == pname:
                return inst, p
        names = [p.name for p in ports]
        hint = difflib.get_close_matches(pname, names, n=1)
        more = f"; did you mean {hint[0]!r}?" if hint else f"; its {kind}s are {names}"
        return f"model {inst!r} has no {kind} port {pname!r}{more}"

    def validate(self) -> list[str]:
        """Return every wiring problem, one line each (an empty list means runnable)."""
        problems: list[str] = []
        feeds: dict[str, list[str]] = {}
        for link in self.links:
            src = self._port(link.source, "output")
            dst = self._port(link.target, "input")
            if isinstance(src, str):
                problems.append(src)
            if isinstance(dst, str):
                problems.append(dst)
            if isinstance(src, str) or isinstance(dst, str):
                continue
            feeds.setdefault(link.target, []).append(link.source)
            (s_inst, s_port), (d_inst, d_port) = src, dst
            if s_inst == d_inst:
                problems.append(f"cycle: model {s_inst!r} feeds itself ({link})")
            if dimensionality(s_port.unit) != dimensionality(d_port.unit):
                problems.append(
                    f"unit mismatch on {link}: model {s_inst!r} output {s_port.name!r} is "
                    f"[{format_unit(s_port.unit) or 'dimensionless'}] "
                    f"({dimensionality(s_port.unit)}) but model {d_inst!r} input "
                    f"{d_port.name!r} expects [{format_unit(d_port.unit) or 'dimensionless'}] "
                    f"({dimensionality(d_port.unit)})"
                )
            elif (
                s_port.shape is not None
                and d_port.shape is not None
                and (
                    len(s_port.shape) != len(d_port.shape)
                    or any(
                        isinstance(a, int) and isinstance(b, int) and a != b
                        for a, b in zip(s_port.shape, d_port.shape, strict=False)
                    )
                )
            ):
                problems.append(
                    f"shape mismatch on {link}: {s_port.shape} does not fit {d_port.shape}"
                )
        for target, value in self.values.items():
            dst = self._port(target, "input")
            if isinstance(dst, str):
                problems.append(dst)
                continue
            inst, port = dst
            try:
                q = parse_quantity(value, port.unit)
                to_si(q.magnitude, str(q.units), port.unit, where=f"model {inst!r} input "
                      f"{port.name!r} given {_fmt_value(value, port.unit)}")
            except UnitError as exc:
                problems.append(str(exc))
            feeds.setdefault(target, []).append(f"the value {_fmt_value(value, port.unit)}")
        for name, targets in self.bindings.items():
            dims = set()
            for target in targets:
                dst = self._port(target, "input")
                if isinstance(dst, str):
                    problems.append(f"study parameter {name!r}: {dst}")
                    continue
                feeds.setdefault(target, []).append(f"study parameter {name!r}")
                dims.add(dimensionality(dst[1].unit))
            if len(dims) > 1:
                problems.append(f"study parameter {name!r} feeds ports of different dimensions: "
                                f"{sorted(dims)}")
            if name not in self.parameter_values:
                problems.append(f"study parameter {name!r} has no value")
            elif not isinstance(dst, str):
                try:
                    q = parse_quantity(self.parameter_values[name], dst[1].unit)
                    to_si(q.magnitude, str(q.units), dst[1].unit,
                          where=f"study parameter {name!r}")
                except UnitError as exc:
                    problems.append(str(exc))
        for target, sources in feeds.items():
            if len(sources) > 1:
                inst, pname = _split(target)
                problems.append(
                    f"model {inst!r} input {pname!r} is fed twice: by {' and by '.join(sources)}"
                )
        for inst, model in self.models.items():
            for p in model.inputs:
                if f"{inst}.{p.name}" not in feeds and p.default is None:
                    problems.append(
                        f"model {inst!r} input {p.name!r} [{p.unit or 'dimensionless'}] is not "
                        f"fed: link an output to it or give it a value"
                    )
        problems.extend(self._cycles())
        problems.extend(self._double_counting(feeds))
        return problems

    def _graph(self) -> dict[str, set[str]]:
        deps: dict[str, set[str]] = {inst: set() for inst in self.models}
        for link in self.links:
            s, d = _split(link.source)[0], _split(link.target)[0]
            if s in self.models and d in self.models and s != d:
                deps[d].add(s)
        return deps

    def _cycles(self) -> list[str]:
        try:
            graphlib.TopologicalSorter(self._graph()).prepare()
        except graphlib.CycleError as exc:
            cycle = exc.args[1]
            return [f"cycle in the study graph: {' -> '.join(reversed(cycle))}"]
        return []

    def _double_counting(self, feeds: dict[str, list[str]]) -> list[str]:
        applied: dict[str, list[str]] = {}
        for inst, model in self.models.items():
            for p in model.inputs:
                if p.driving_force is None:
                    continue
                ref = f"{inst}.{p.name}"
                fed = ref in feeds or (p.default not in (None, 0, 0.0))
                if ref in self.values:  # an explicit zero does not apply the force
                    try:
                        q = parse_quantity(self.values[ref], p.unit)
                        fed = bool(np.any(np.asarray(q.magnitude) != 0))
                    except UnitError:
                        pass
                if fed:
                    applied.setdefault(p.driving_force, []).append(inst)
        problems = []
        for force, insts in applied.items():
            if len(insts) > 1:
                where = " and ".join(
                    f"{i!r} (length scale {self.models[i].length_scale:.3g} m)" for i in insts
                )
                problems.append(
                    f"double counting: driving force {force!r} is applied at more than one "
                    f"scale, by models {where}; apply it at one scale only and pass its effect "
                    f"up through the bridge"
                )
        return problems

    def check(self) -> None:
        """Raise :class:`CouplingError` listing every problem, if there are any."""
        problems = self.validate()
        if problems:
            raise CouplingError(problems)

    def order(self) -> list[str]:
        """Model instances in an order where every model runs after its sources."""
        return list(graphlib.TopologicalSorter(self._graph()).static_order())

    def fingerprint(self, *, sampled: Iterable[str] = ()) -> str:
        """A content hash of everything that determines this study's results.

        Each model's identity, parameters and code version, the links, the fixed
        input values and the values of the bound parameters, and the package version.
        The nominal values of the ``sampled`` parameters are left out: a propagation
        supplies those row by row, so they do not change a row's result.
        """
        from scaleweave._version import __version__
        from scaleweave.core.hashing import content_hash

        skip = set(sampled)
        return content_hash({
            "version": __version__,
            "models": dict(self.models),
            "links": sorted(str(lk) for lk in self.links),
            "values": dict(self.values),
            "bindings": {n: list(t) for n, t in self.bindings.items()},
            "parameter_values": {n: v for n, v in self.parameter_values.items()
                                 if n not in skip},
        }, where="study")

    def describe(self) -> dict[str, Any]:
        """The graph as plain data (JSON-safe): what ``scaleweave show`` prints and the
        report draws.

        Returns
        -------
        dict
            ``models``: name -> ``{"identity", "scale_m", "inputs", "outputs",
            "diagnostics"}`` (ports as ``[name, unit]``, models in run order);
            ``links``: ``[source, target]``; ``parameters``: name -> targets;
            ``inputs``: external input values as text.
        """
        try:
            order = self.order()
        except graphlib.CycleError:
            order = list(self.models)
        models = {}
        for inst in order:
            m = self.models[inst]
            models[inst] = {
                "identity": m.model_identity(),
                "scale_m": (float(m.length_scale) if np.isfinite(m.length_scale or np.nan)
                            else None),
                "inputs": [[p.name, format_unit(p.unit)] for p in m.inputs],
                "outputs": [[p.name, format_unit(p.unit)] for p in m.outputs],
                "diagnostics": [d.name for d in m.diagnostics],
            }
        return {"models": models,
                "links": [[lk.source, lk.target] for lk in self.links],
                "parameters": {k: list(v) for k, v in self.bindings.items()},
                "inputs": {k: str(v) for k, v in self.values.items()}}

    # -- running ----------------------------------------------------------------------
    def run(self, *, params: Mapping[str, Any] | None = None, batch: int | None = None,
            cache: Any = None, validity: str = "record") -> StudyResult:
        """Validate, then evaluate every model once in topological order.

        An input port is fed, in this order, by a link, a fixed value
        (:meth:`set_input`), a study parameter (:meth:`bind`; varied per run through
        ``params``) or its port default. That is the one way a study takes inputs:
        whatever changes between runs is a bound parameter.

        Parameters
        ----------
        params : mapping, optional
            Study parameter values for this run, as SI magnitudes (what samplers
            produce); with ``batch``, arrays with a leading sample axis.
        batch : int, optional
            Evaluate ``batch`` samples at once; values without the sample axis are
            broadcast. Vectorized models see whole arrays, the others one row at a time.
        cache : ModelCache, optional
            A content-hash cache (:class:`scaleweave.execution.ModelCache`): runs of
            ``cacheable`` models are looked up by their inputs and code version
            before they are computed, and stored after.
        validity : {"record", "warn", "raise"}
            What a diagnostic outside its limit does: only recorded in
            ``result.validity``; also a :class:`~scaleweave.errors.ValidityWarning`;
            or a :class:`~scaleweave.errors.ValidityError` naming the model.

        Returns
        -------
        StudyResult
            Every input and output port value of every model.
        """
        check_policy(validity)
        params = dict(params or {})
        unknown = sorted(set(params) - set(self.bindings))
        if unknown:
            raise ConfigError(
                f"no model uses the parameter {unknown[0]!r}: the study's parameters are "
                f"{sorted(self.bindings) or 'none'}"
            )
        self.check()
        result = StudyResult()
        incoming: dict[str, list[Link]] = {}
        for link in self.links:
            incoming.setdefault(_split(link.target)[0], []).append(link)
        bound: dict[str, Any] = {}
        for name, targets in self.bindings.items():
            for target in targets:
                inst, pname = _split(target)
                port = self.models[inst].input_port(pname)
                if name in params:
                    bound[target] = params[name]
                else:
                    q = parse_quantity(self.parameter_values[name], port.unit)
                    bound[target] = to_si(q.magnitude, str(q.units), port.unit, where=target)
        for inst in self.order():
            model = self.models[inst]
            inputs: dict[str, Any] = {}
            for link in incoming.get(inst, []):
                inputs[_split(link.target)[1]] = result.si[link.source]
            for p in model.inputs:
                ref = f"{inst}.{p.name}"
                if ref in self.values:
                    q = parse_quantity(self.values[ref], p.unit)
                    inputs[p.name] = to_si(q.magnitude, str(q.units), p.unit, where=ref)
                elif ref in bound:
                    inputs[p.name] = bound[ref]
                elif p.name not in inputs and p.default is not None:
                    inputs[p.name] = to_si(p.default, p.unit, p.unit, where=ref)
                if batch is not None and p.name in inputs and p.shape is not None:
                    inputs[p.name] = _broadcast(inputs[p.name], batch, p.shape)
                if p.name in inputs:
                    result.si[ref], result.units[ref] = inputs[p.name], p.unit
            start = time.perf_counter()
            out = _evaluate_cached(model, inst, inputs, batch, cache)
            result.timings[inst] = time.perf_counter() - start
            for p in model.outputs:
                ref = f"{inst}.{p.name}"
                result.si[ref], result.units[ref] = out[p.name], p.unit
            checks = model.diagnose(out, label=inst)
            result.validity.extend(checks)
            apply_validity_policy(checks, validity, stacklevel=3)
        return result

    def diagnose(self, si: Mapping[str, Any]) -> list[Validity]:
        """Every model's diagnostics from port values keyed ``"model.port"``.

        For the rows of an ensemble gathered from workers (NaN rows of failed
        samples are ignored): the worst value of each diagnostic over the rows.
        """
        out = []
        for inst, model in self.models.items():
            mine = {p.name: si[f"{inst}.{p.name}"] for p in model.outputs
                    if f"{inst}.{p.name}" in si}
            if all(d.output in mine for d in model.diagnostics):
                out.extend(model.diagnose(mine, label=inst))
        return out


def _evaluate_cached(model: Model, inst: str, inputs: dict[str, Any], batch: int | None,
                     cache: Any) -> dict[str, Any]:
    """Evaluate a model, through the content-hash cache if it is cacheable."""
    if cache is None or not model.cacheable:
        return model.evaluate(inputs, label=inst, batch=batch)
    from scaleweave._version import __version__

    key = cache.key(model.model_identity(), inputs,
                    {**model.cache_parameters(), "batch": batch},
                    f"{__version__}+{model.code_version}")
    hit = cache.get(key)
    if hit is not None:
        return hit
    out = model.evaluate(inputs, label=inst, batch=batch)
    cache.put(key, out)
    return out


def _broadcast(value: Any, batch: int, shape: tuple) -> np.ndarray:
    """Give ``value`` a leading sample axis of length ``batch`` if it lacks one."""
    arr = np.asarray(value, dtype=float)
    if arr.ndim == len(shape) + 1 and arr.shape[0] == batch:
        return arr
    return np.broadcast_to(arr, (batch, *arr.shape)).copy()
