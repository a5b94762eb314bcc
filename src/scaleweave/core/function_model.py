"""Models from plain functions, keyed on what the function computes.

:func:`model_from_function` turns ``func(**inputs) -> {output: value}`` (SI
magnitudes) into a :class:`~scaleweave.core.model.Model`; its cache and campaign key
is :func:`function_content`: the bytecode (nested code objects included), defaults,
closed-over values and the module-level numbers it reads, so an edited function or a
changed constant it closes over is never served a stale result.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np

from scaleweave.core.model import Model, Port

__all__ = ["FunctionModel", "function_content", "model_from_function"]


@dataclass(kw_only=True)
class FunctionModel(Model):
    """A model whose kernel is a plain function of SI keyword arguments.

    Examples
    --------
    >>> m = FunctionModel(func=lambda x: {"y": 2 * x}, inputs=(Port("x", "m"),),
    ...                   outputs=(Port("y", "m"),), name="double")
    >>> m.evaluate({"x": 1.5})
    {'y': 3.0}
    """

    func: Callable[..., Mapping[str, Any]]
    inputs: tuple[Port, ...] = ()  # type: ignore[misc]
    outputs: tuple[Port, ...] = ()  # type: ignore[misc]
    name: str = "model"
    length_scale: float = math.nan
    time_scale: float = math.nan
    vectorized: bool = False
    doc: str = field(default="", repr=False)

    def _run(self, inputs: dict[str, Any]) -> Mapping[str, Any]:
        return self.func(**inputs)

    identity: ClassVar[str] = "core.function"

    def cache_parameters(self) -> dict[str, Any]:
        """The ports and what the function computes (:func:`function_content`)."""
        return {"func": function_content(self.func), "inputs": self.inputs,
                "outputs": self.outputs, "vectorized": self.vectorized}


def function_content(func: Callable[..., Any]) -> dict[str, Any]:
    """What a function computes, for a content hash: code, defaults, closure, globals used.

    Editing the function, or changing a value it closes over (``lambda x: a * x``
    with another ``a``) or a module-level number it reads, changes the content. A
    closed-over value without a canonical encoding is taken by its pickled bytes.
    """
    from scaleweave.core.hashing import content_hash

    code = getattr(func, "__code__", None)
    if code is None:
        return {"repr": repr(func)}

    def exact(value: Any) -> Any:
        try:
            content_hash(value)
        except Exception:  # no canonical encoding: its pickle (cloudpickle for lambdas)
            import cloudpickle

            return cloudpickle.dumps(value)
        return value

    cells = [exact(c.cell_contents) for c in (func.__closure__ or ())]
    used = {n: func.__globals__[n] for n in code.co_names if n in func.__globals__}
    plain = {n: v for n, v in used.items()
             if isinstance(v, int | float | complex | str | bytes | np.ndarray | np.generic)}
    return {"name": f"{func.__module__}.{func.__qualname__}", "code": _code_content(code),
            "defaults": exact(func.__defaults__),
            "kwdefaults": exact(func.__kwdefaults__), "closure": cells, "globals": plain}


def _code_content(code: Any) -> dict[str, Any]:
    """Bytecode and constants, nested code objects included (their repr holds an address)."""
    consts = [_code_content(c) if inspect.iscode(c) else repr(c) for c in code.co_consts]
    return {"bytecode": code.co_code, "consts": consts, "names": list(code.co_names)}


def model_from_function(
    func: Callable[..., Mapping[str, Any]],
    *,
    inputs: Mapping[str, str | Port],
    outputs: Mapping[str, str | Port],
    name: str | None = None,
    length_scale: float = math.nan,
    time_scale: float = math.nan,
    vectorized: bool = False,
) -> FunctionModel:
    """Make a :class:`Model` from a function of SI keyword arguments.

    Parameters
    ----------
    func : callable
        ``func(**inputs) -> {output: value}``, all SI magnitudes.
    inputs, outputs : mapping
        Port name -> unit string or a full :class:`Port`.
    name : str, optional
        Model name (default: the function's name).
    length_scale, time_scale : float
        Characteristic length (m) and time (s).
    vectorized : bool
        ``func`` works on arrays with a leading sample axis (NumPy ufuncs do).

    Examples
    --------
    >>> arr = model_from_function(lambda barrier: {"rate": 1e13 * 2.0 ** (-barrier / 1e-20)},
    ...                           inputs={"barrier": "J"}, outputs={"rate": "1/s"}, name="toy")
    >>> arr.evaluate({"barrier": 0.0})
    {'rate': 10000000000000.0}
    """

    def as_port(key: str, spec: str | Port) -> Port:
        return spec if isinstance(spec, Port) else Port(key, spec)

    return FunctionModel(
        func=func,
        inputs=tuple(as_port(k, v) for k, v in inputs.items()),
        outputs=tuple(as_port(k, v) for k, v in outputs.items()),
        name=name or getattr(func, "__name__", "model"),
        length_scale=length_scale,
        time_scale=time_scale,
        vectorized=vectorized,
        doc=func.__doc__ or "",
    )
