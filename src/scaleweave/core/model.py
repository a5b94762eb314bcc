"""Models that live at one scale: ports with units, and the boundary checks.

A :class:`Model` declares its named input and output :class:`Port` s, each with a
physical unit and a shape, plus the model's characteristic length and time. Its
kernel, :meth:`Model._run`, receives and returns plain SI magnitudes (floats or
NumPy arrays); :meth:`Model.evaluate` owns the boundary: it checks that every input
is there, converts quantities given in other compatible units, and refuses outputs
that are missing, of the wrong shape, or not finite.

How to write a model
--------------------
1. Subclass :class:`Model`; set ``inputs`` and ``outputs`` to tuples of ports and
   ``length_scale`` / ``time_scale`` (SI) as class attributes or in ``__init__``.
2. Implement ``_run(self, inputs) -> dict`` (the contract is in :meth:`Model._run`):
   ``inputs`` maps every input port's name to its SI magnitude; return a dict with
   exactly one SI magnitude per output port, no other keys.
3. Tag an input with ``driving_force="electric_field"`` (or any name) when the model
   applies an external driving force through it; a study refuses to apply the same
   force at two scales.
4. Take settings as keyword-only constructor parameters and store each, unchanged,
   under its own name (``self.lattice = lattice``): :meth:`Model.get_params`,
   :meth:`Model.with_` and the cache key read them from there. Keep derived values
   in private attributes and run results in the outputs, never on ``self``: a model
   may run on a worker process whose attributes never come back.
5. Give the class a stable ``identity`` (``"kinetics.kmc"``): caches and campaigns
   are keyed on it, not on the module path, so moving the file keeps them valid.
   Bump ``code_version`` whenever a change of the code changes what it computes.
6. Declare what tells whether the model is inside its regime as ``diagnostics``
   (:class:`Diagnostic`: a name, the output port holding the value, a limit and a
   sense). The base evaluates them (:meth:`Model.diagnose`, the worst value over a
   batch), so a study collects them from the outputs alone: they survive a cache
   hit and a worker process. Kernels do not warn; the study's policy decides.
   A :class:`Bridge` is a model that declares at least one.

Or wrap a plain function with
:func:`~scaleweave.core.function_model.model_from_function`.

Bare numbers
------------
A :class:`pint.Quantity` or a string with a unit (``"300 K"``) is converted after a
dimension check, everywhere. A value without a unit is read in the *declared unit
of the port* it feeds wherever a user describes a study: ``Study.set_input``,
``Study.bind``, ``Port.default`` and distributions without a unit
(:meth:`~scaleweave.core.distributions.Uncertain.in_unit`). :meth:`Model.evaluate`
is the kernel's own boundary, where a study hands over values it has already
converted: there a bare number or array is an SI magnitude, and a string needs a
unit. Kernels (``_run``) see SI magnitudes only.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar, Literal, Self

import numpy as np
import pint

from scaleweave.core.boundary import Shape, check_shape, first_bad, lead_shape, text_value
from scaleweave.core.checks import Validity
from scaleweave.core.units import check_same_dimension, to_si
from scaleweave.errors import ConfigError, ModelError, NonFiniteError

__all__ = ["Bridge", "Diagnostic", "Model", "Port"]



@dataclass(frozen=True)
class Port:
    """A named, typed connection point of a model.

    Parameters
    ----------
    name : str
        Port name; models are joined by these names.
    unit : str
        Physical unit understood by pint (``"eV"``, ``"S/m"``, ``""`` for dimensionless).
        The kernel always sees SI base units of the same dimension.
    shape : tuple or None
        ``()`` for a scalar; integers for fixed sizes, strings for sizes named
        elsewhere (checked for consistency only where both sides are integers);
        ``None`` for any shape.
    description : str
        One line for humans (shown in reports and errors).
    driving_force : str or None
        On an input: the name of the external driving force this port applies
        (``"electric_field"``). Used to catch double counting across scales.
    default : float or None
        Value (in ``unit``) used when the input is not fed.
    """

    name: str
    unit: str = ""
    shape: Shape = ()
    description: str = ""
    driving_force: str | None = None
    default: float | None = None

    def __post_init__(self) -> None:
        if not self.name.isidentifier():
            raise ConfigError(f"port name {self.name!r} must be a Python identifier")
        check_same_dimension(self.unit, self.unit, where=f"port {self.name!r}")


@dataclass(frozen=True)
class Diagnostic:
    """A validity diagnostic a model declares: an output port checked against a limit.

    Parameters
    ----------
    name : str
        What is measured, for reports (``"barrier over kT (Ea/kT)"``).
    output : str
        The output port holding its value (dimensionless or in that port's unit).
    limit : float or str
        The limit, or the name of the model's attribute that holds it (``"limit"``),
        for a limit that is a constructor parameter.
    sense : {"le", "ge"}
        ``le``: valid while ``value <= limit``; ``ge``: while ``value >= limit``.
    scale : float
        Factor from the port's SI value to the reported value (e.g. 1/eV).
    """

    name: str
    output: str
    limit: float | str
    sense: Literal["le", "ge"] = "le"
    scale: float = 1.0

    def evaluate(self, model: Model, outputs: Mapping[str, Any], label: str) -> Validity | None:
        """The :class:`Validity` entry from ``outputs`` (worst over a batch), or None."""
        values = np.asarray(outputs[self.output], dtype=float) * self.scale
        values = values[~np.isnan(values)]
        if values.size == 0:
            return None
        worst = float(values.max() if self.sense == "le" else values.min())
        limit = getattr(model, self.limit) if isinstance(self.limit, str) else self.limit
        return Validity(label, self.name, worst, float(limit), sense=self.sense)


class Model:
    """A model at one scale: ports in, ports out, SI kernel inside.

    Attributes
    ----------
    inputs, outputs : tuple of Port
        The declared ports.
    length_scale : float
        Characteristic length (m) of what the model resolves.
    time_scale : float
        Characteristic time (s) of what the model resolves.
    name : str
        Default instance name in a study.
    vectorized : bool
        True if ``_run`` accepts a leading sample axis on every input (then an
        ensemble is evaluated in one call instead of one call per sample).
    cacheable : bool
        True for an expensive, deterministic model whose runs a study may keep in a
        content-hash cache (keyed by inputs, :meth:`cache_parameters` and
        ``code_version``).
    code_version : str
        Bump it whenever a change of the code changes what the model computes.
    identity : str
        Stable name of the model class for caches and campaigns (default: its module
        path and name, which changes when the file moves; built-in models set it).
    """

    inputs: ClassVar[tuple[Port, ...]] = ()
    outputs: ClassVar[tuple[Port, ...]] = ()
    length_scale: float = math.nan
    time_scale: float = math.nan
    name: str = "model"
    vectorized: bool = False
    cacheable: bool = False
    code_version: str = "1"
    identity: ClassVar[str] = ""
    diagnostics: ClassVar[tuple[Diagnostic, ...]] = ()

    def diagnose(self, outputs: Mapping[str, Any], *, label: str | None = None
                 ) -> list[Validity]:
        """The declared :attr:`diagnostics` evaluated on SI ``outputs`` (worst per batch).

        Examples
        --------
        >>> from scaleweave.bridges.rates.arrhenius import ArrheniusModel
        >>> m = ArrheniusModel()
        >>> out = m.evaluate({"attempt_frequency": 1e13, "barrier": "0.05 eV",
        ...                   "temperature": 300.0})
        >>> m.diagnose(out)[0].ok
        False
        """
        found = (d.evaluate(self, outputs, label or self.name) for d in self.diagnostics)
        return [v for v in found if v is not None]

    # -- parameters (the scikit-learn protocol) ---------------------------------------
    @classmethod
    def _param_names(cls) -> tuple[str, ...]:
        """Names of the constructor parameters (``*args`` / ``**kwargs`` are refused)."""
        if cls.__init__ is object.__init__:
            return ()
        names = []
        for p in list(inspect.signature(cls.__init__).parameters.values())[1:]:
            if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
                raise TypeError(f"{cls.__qualname__}.__init__ takes *{p.name}: a model's "
                                "parameters must be named, so get_params can read them")
            names.append(p.name)
        return tuple(names)

    def get_params(self) -> dict[str, Any]:
        """The constructor parameters, as given (read from the attributes of those names)."""
        out = {}
        for name in self._param_names():
            if not hasattr(self, name):
                raise TypeError(f"{type(self).__qualname__} does not keep its constructor "
                                f"parameter {name!r} as self.{name}; get_params, with_ and the "
                                "cache key need every parameter stored under its own name")
            out[name] = getattr(self, name)
        return out

    def with_(self, **changes: Any) -> Self:
        """A new model of the same class with some parameters changed.

        Examples
        --------
        >>> from scaleweave.core.function_model import model_from_function
        >>> m = model_from_function(lambda x: {"y": x}, inputs={"x": ""}, outputs={"y": ""})
        >>> m.with_(name="copy").name
        'copy'
        """
        params = self.get_params()
        unknown = sorted(set(changes) - set(params))
        if unknown:
            raise ConfigError(f"{type(self).__qualname__} has no parameter {unknown[0]!r}; "
                              f"its parameters are {sorted(params)}")
        return type(self)(**{**params, **changes})

    def model_identity(self) -> str:
        """:attr:`identity`, or the module path and class name when it is not set."""
        return self.identity or f"{type(self).__module__}.{type(self).__qualname__}"

    def cache_parameters(self) -> dict[str, Any]:
        """What besides the inputs determines the outputs (part of every cache key).

        By default every constructor parameter except ``name`` (an instance label);
        override to encode a parameter that has no canonical content, or to add a
        library version.
        """
        return {k: v for k, v in self.get_params().items() if k != "name"}

    def __content__(self) -> dict[str, Any]:
        """What makes two models compute the same thing (see :mod:`scaleweave.core.hashing`)."""
        return {"identity": self.model_identity(), "code_version": self.code_version,
                "parameters": self.cache_parameters()}

    def input_port(self, name: str) -> Port:
        """Return the input port called ``name`` (KeyError if absent)."""
        for p in self.inputs:
            if p.name == name:
                return p
        raise KeyError(name)

    def output_port(self, name: str) -> Port:
        """Return the output port called ``name`` (KeyError if absent)."""
        for p in self.outputs:
            if p.name == name:
                return p
        raise KeyError(name)

    def _run(self, inputs: dict[str, Any]) -> Mapping[str, Any]:
        """The kernel: SI magnitudes in, SI magnitudes out (implement it; do not call it).

        Parameters
        ----------
        inputs : dict
            Every input port's name -> its value in the SI base units of the port's
            dimension (a float, or an array of the port's shape; with ``batch``, and
            ``vectorized = True``, a leading sample axis). Defaults are filled in.

        Returns
        -------
        dict
            Exactly the declared output ports, each an SI magnitude (or a
            :class:`pint.Quantity`, converted); a missing or undeclared key, a
            non-mapping, a wrong shape or a non-finite value is a
            :class:`~scaleweave.errors.ModelError` naming the model.

        Raise :class:`~scaleweave.errors.ConfigError` for inputs the kernel cannot
        take (passed through); any other exception becomes a ``ModelError``.
        """
        raise NotImplementedError(f"{type(self).__name__} must implement _run(inputs)")

    def evaluate(self, inputs: Mapping[str, Any], *, label: str | None = None,
                 batch: int | None = None) -> dict[str, Any]:
        """Run the model on checked inputs and return checked SI outputs.

        Parameters
        ----------
        inputs : mapping
            Port name -> value. A :class:`pint.Quantity` or a string with a unit
            (``"0.3 eV"``) is converted to SI after a dimension check; a bare number
            or array is taken as already SI (a study converts before it calls
            this). Missing inputs with a ``default`` (in the port's unit) use it.
        label : str, optional
            Instance name for messages (defaults to ``self.name``).
        batch : int, optional
            Evaluate ``batch`` samples at once: every input and output carries a
            leading sample axis of that length. A model that is not ``vectorized`` is
            called once per sample.

        Returns
        -------
        dict
            Output port name -> SI magnitude.

        Raises
        ------
        ConfigError
            Missing or unknown input, wrong unit dimension, a string without a unit
            for a port with one, wrong shape.
        NonFiniteError
            An output contains NaN or infinity (names model, port and value).
        ModelError
            The kernel raised (the original error is chained), or returned something
            other than a mapping of exactly its output ports.
        """
        who = label or self.name
        if batch is not None and not self.vectorized:
            rows = [self.evaluate({k: v[i] for k, v in inputs.items()}, label=label)
                    for i in range(batch)]
            return {p.name: np.stack([np.asarray(r[p.name]) for r in rows])
                    for p in self.outputs}
        lead: tuple[int, ...] = () if batch is None else (batch,)
        known = {p.name for p in self.inputs}
        unknown = sorted(set(inputs) - known)
        if unknown:
            raise ConfigError(
                f"model {who!r} has no input port {unknown[0]!r}; inputs are {sorted(known)}"
            )
        si: dict[str, Any] = {}
        for port in self.inputs:
            where = f"model {who!r} input {port.name!r}"
            if port.name in inputs:
                value = inputs[port.name]
            elif port.default is not None:
                value = to_si(port.default, port.unit, port.unit, where=where)
            else:
                raise ConfigError(f"{where} [{port.unit or 'dimensionless'}] is missing")
            if isinstance(value, str):
                value = text_value(value, port.unit, where)
            if isinstance(value, pint.Quantity):
                value = to_si(value.magnitude, str(value.units), port.unit, where=where)
            check_shape(value, lead_shape(lead, port.shape), where=where)
            si[port.name] = value
        try:
            out = self._run(si)
        except (ConfigError, ModelError):
            raise
        except Exception as exc:
            raise ModelError(f"model {who!r} failed: {type(exc).__name__}: {exc}") from exc
        return self._check_outputs(out, who, lead)

    def _check_outputs(self, out: Mapping[str, Any], who: str,
                       lead: tuple[int, ...] = ()) -> dict[str, Any]:
        declared = [p.name for p in self.outputs]
        if not isinstance(out, Mapping):
            raise ModelError(f"model {who!r} returned {type(out).__name__} from _run; it must "
                             f"return a dict of its outputs {declared}")
        extra = sorted(str(k) for k in out if k not in declared)
        if extra:
            raise ModelError(f"model {who!r} returned {extra}, which it does not declare as "
                             f"outputs (its outputs are {declared}); declare them as ports "
                             "or leave them out")
        result: dict[str, Any] = {}
        for port in self.outputs:
            where = f"model {who!r} output {port.name!r}"
            if port.name not in out:
                raise ModelError(f"{where} was not produced by the model")
            value = out[port.name]
            if isinstance(value, pint.Quantity):
                value = to_si(value.magnitude, str(value.units), port.unit, where=where)
            bad = first_bad(value)
            if bad is not None:
                raise NonFiniteError(
                    f"{where} [{port.unit or 'dimensionless'}] is not finite: {bad}"
                    f" (in an output of shape {np.shape(value)})"
                )
            check_shape(value, lead_shape(lead, port.shape), where=where)
            result[port.name] = value
        return result

    def __repr__(self) -> str:
        ins = ", ".join(p.name for p in self.inputs)
        outs = ", ".join(p.name for p in self.outputs)
        return f"<{type(self).__name__} {self.name!r}: ({ins}) -> ({outs})>"


class Bridge(Model):
    """A model that joins two scales and says when it is valid.

    How to write a bridge
    ---------------------
    1. Write it as a :class:`Model` (ports, keyword-only parameters, ``identity``).
    2. Return every diagnostic of its regime as an output port (the QSSA epsilon,
       ``Ea/kT``, the RVE residual) and declare each in ``diagnostics``.
    3. Test it against an analytic result or a published value, and test that the
       diagnostic fails where the approximation does.
    """

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        if not cls.diagnostics:
            raise TypeError(f"bridge {cls.__qualname__} declares no diagnostics: a bridge "
                            "must say when it is valid")


_first_bad = first_bad  # the coupler's name for it


def __getattr__(name: str) -> Any:
    # Models from plain functions live in core.function_model (which imports this
    # module); they stay importable from here, where most code looks for them.
    if name in ("FunctionModel", "function_content", "model_from_function"):
        from scaleweave.core import function_model

        return getattr(function_model, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
