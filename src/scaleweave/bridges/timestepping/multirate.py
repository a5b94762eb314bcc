"""Multi-rate time stepping as a bridge: split a chain by local stability, subcycle the stiff part.

An explicit scheme must resolve the fastest motion in each region; a single step for
the whole domain is set by its stiffest corner (the essay's crack tip). This bridge
partitions a mass-spring chain into contiguous blocks: masses whose local stability
limit (Gershgorin bound ``sqrt(2 m_i / (k_i + k_{i+1}))``) is below the macro step
become *fast* blocks advanced with ``macro_dt / substeps``, the rest *slow* blocks
advanced with ``macro_dt``. Blocks are
:class:`~scaleweave.engines.particles.spring_chain.ChainSegment`
submodels joined in a :class:`~scaleweave.core.coupler.Coupler`, the slow partners'
boundary displacements interpolated linearly in time.

Validity diagnostics: each block's step over its exact stability limit (the coupler
refuses a step above it; within :data:`STABILITY_MARGIN` of it the block's fastest
mode has an energy error near 100%, so the entry fails there), and, for a run, the
growth over it of the least stable mode of the scheme's one-step map (a spectral
radius above 1 is a coupling resonance; :data:`RADIUS_GROWTH_LIMIT`).

The scheme is linear, so one macro step is a matrix acting on ``(x, v)``:
:func:`multirate_step_matrix` builds it independently of the coupler (every unit
state advanced at once with NumPy), and :func:`multirate_energy_bound` bounds the
energy error of the scheme actually integrated -- every block with the step it
uses, the interfaces as they are coupled -- from its eigen-decomposition.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass

import numpy as np

from scaleweave.core.checks import Validity
from scaleweave.core.coupler import Coupler, Exchange
from scaleweave.engines.particles.spring_chain import ChainSegment

__all__ = ["RADIUS_GROWTH_LIMIT", "STABILITY_MARGIN", "MultirateChain", "local_step_limits",
           "multirate_energy_bound", "multirate_step_matrix", "partition_chain"]

#: A block's step over its stability limit above which its validity entry fails.
STABILITY_MARGIN = 0.95
#: Growth ``rho^N`` of the least stable mode of the one-step map over a run of ``N``
#: macro steps above which its validity entry fails (``rho > 1``: a coupling resonance).
RADIUS_GROWTH_LIMIT = 1.01


def local_step_limits(m: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Per-mass Gershgorin bound on velocity Verlet's stable step (s).

    ``sqrt(2 m_i / (k_i + k_{i+1}))`` is never above the block's true limit
    ``2 / omega_max``, so a block made of masses with bounds above ``dt`` is stable.
    """
    return np.sqrt(2.0 * m / (k[:-1] + k[1:]))


def partition_chain(m: np.ndarray, k: np.ndarray, macro_dt: float, contrast: float = 0.5
                    ) -> list[tuple[int, int, bool]]:
    """Contiguous blocks ``(start, stop, fast)`` of the chain for a macro step (s).

    A mass is fast if the macro step would be unstable for it (local limit below
    ``macro_dt``) or if it is much stiffer than the softest part of the chain (local
    limit below ``contrast`` times the largest local limit). The second rule keeps
    stiff-but-stable masses out of the slow blocks, where ``omega dt`` near 1 would be
    stable but inaccurate, and makes the partition independent of ``macro_dt`` in a
    convergence study.

    Examples
    --------
    >>> k = np.ones(11); k[4:7] = 100.0
    >>> partition_chain(np.ones(10), k, 0.5)
    [(0, 3, False), (3, 7, True), (7, 10, False)]
    """
    limits = local_step_limits(m, k)
    fast = (limits < macro_dt) | (limits < contrast * limits.max())
    edges = np.flatnonzero(np.diff(fast.astype(np.int8))) + 1
    bounds = [0, *edges.tolist(), m.size]
    return [(a, b, bool(fast[a])) for a, b in itertools.pairwise(bounds)]


@dataclass
class MultirateChain:
    """A chain advanced by the multi-rate coupler.

    Parameters
    ----------
    m, k : ndarray
        Masses (kg, shape n) and springs (N/m, shape n + 1).
    x0, v0 : ndarray
        Initial displacement (m) and velocity (m/s).
    macro_dt : float
        Step of the slow blocks and synchronisation interval (s).
    substeps : int
        Substeps of the fast blocks per macro step.
    interpolation : str
        Waveform of slow boundary data seen by fast blocks (``"linear"``, ``"hermite"``).
    blocks : list of (start, stop, fast), optional
        A fixed partition (default: :func:`partition_chain` at ``macro_dt``); pass one
        to keep the partition unchanged across a convergence study.
    """

    m: np.ndarray
    k: np.ndarray
    x0: np.ndarray
    v0: np.ndarray
    macro_dt: float
    substeps: int
    interpolation: str = "linear"
    blocks: list[tuple[int, int, bool]] | None = None

    def __post_init__(self) -> None:
        if self.blocks is None:
            self.blocks = partition_chain(self.m, self.k, self.macro_dt)
        blocks = self.blocks
        self.segments: list[ChainSegment] = []
        for i, (a, b, fast) in enumerate(blocks):
            self.segments.append(ChainSegment(
                f"{'fast' if fast else 'slow'}{i}", self.m[a:b], self.k[a:b + 1],
                self.x0[a:b], self.v0[a:b],
                self.macro_dt / self.substeps if fast else self.macro_dt,
                left_wall=(i == 0), right_wall=(i == len(blocks) - 1), offset=a,
            ))
        exchanges = []
        for left, right in zip(self.segments[:-1], self.segments[1:], strict=True):
            exchanges.append(Exchange(f"{left.name}.x_last", f"{right.name}.x_left",
                                      self.interpolation))
            exchanges.append(Exchange(f"{right.name}.x_first", f"{left.name}.x_right",
                                      self.interpolation))
        self.coupler = Coupler(self.segments, exchanges, self.macro_dt)

    @property
    def x(self) -> np.ndarray:
        """Displacement (m) of the whole chain."""
        return np.concatenate([s.x for s in self.segments])

    @property
    def v(self) -> np.ndarray:
        """Velocity (m/s) of the whole chain."""
        return np.concatenate([s.v for s in self.segments])

    @property
    def node_updates(self) -> int:
        """Mass updates done so far (the cost measure)."""
        return sum(s.work for s in self.segments)

    @property
    def fast_masses(self) -> int:
        """Number of masses in fast (subcycled) blocks."""
        return sum(s.m.size for s in self.segments if s.name.startswith("fast"))

    def validity(self) -> list[Validity]:
        """Each block's step over its exact stability limit (valid below
        :data:`STABILITY_MARGIN`: the coupler refuses a step above the limit, and just
        below it the block's fastest mode, ``omega h`` near 2, has an energy error
        ``(omega h)^2 / 4`` near 100%)."""
        return [
            Validity("multirate coupler", f"{s.name} step / stability limit "
                     f"({s.m.size} masses{', subcycled' if s.name.startswith('fast') else ''}"
                     f"; keep {100 * (1 - STABILITY_MARGIN):g}% below it)",
                     s.dt / s.stability_limit(), STABILITY_MARGIN)
            for s in self.segments
        ]


def _forces(x: np.ndarray, k: np.ndarray) -> np.ndarray:
    """Spring forces (N) on every mass for displacements ``x`` (n, columns), walls fixed."""
    ext = np.zeros((x.shape[0] + 2, x.shape[1]))
    ext[1:-1] = x
    tension = k[:, None] * np.diff(ext, axis=0)
    return tension[1:] - tension[:-1]


def multirate_step_matrix(m: np.ndarray, k: np.ndarray, blocks: list[tuple[int, int, bool]],
                          macro_dt: float, substeps: int) -> np.ndarray:
    """One macro step of the multi-rate scheme as a matrix on ``z = (x, v)``.

    Written from the scheme, not from the coupler: the slow masses kick half a macro
    step with the forces at ``t0`` and drift a whole one; the fast masses take
    ``substeps`` velocity Verlet steps reading the slow masses interpolated linearly
    between ``t0`` and ``t1``; the slow masses close with half a kick at ``t1``.
    Every unit state is advanced at once (columns), so the cost is
    ``O(substeps n^2)``.

    Parameters
    ----------
    m, k : ndarray
        Masses (kg, n) and springs (N/m, n + 1).
    blocks : list of (start, stop, fast)
        The partition (:func:`partition_chain`).
    macro_dt : float
        Macro step (s).
    substeps : int
        Substeps of the fast blocks.

    Returns
    -------
    ndarray, shape (2 n, 2 n)
        ``z(t + H) = M z(t)``.
    """
    n = m.size
    fast = np.zeros(n, dtype=bool)
    for a, b, is_fast in blocks:
        fast[a:b] = is_fast
    slow = ~fast
    inv_m = (1.0 / m)[:, None]
    x = np.hstack([np.eye(n), np.zeros((n, n))])
    v = np.hstack([np.zeros((n, n)), np.eye(n)])
    acc = _forces(x, k) * inv_m
    h, big = macro_dt / substeps, macro_dt
    x_start = x[slow].copy()
    v[slow] += 0.5 * big * acc[slow]
    x[slow] += big * v[slow]
    x_end = x[slow].copy()
    seen = x.copy()  # the fast masses' view: slow masses interpolated in time
    for j in range(1, substeps + 1):
        v[fast] += 0.5 * h * acc[fast]
        x[fast] += h * v[fast]
        seen[fast] = x[fast]
        seen[slow] = x_start + (j / substeps) * (x_end - x_start)
        acc = _forces(seen, k) * inv_m
        v[fast] += 0.5 * h * acc[fast]
    acc = _forces(x, k) * inv_m
    v[slow] += 0.5 * big * acc[slow]
    return np.vstack([x, v])


def multirate_energy_bound(m: np.ndarray, k: np.ndarray, x0: np.ndarray, v0: np.ndarray,
                           blocks: list[tuple[int, int, bool]], macro_dt: float,
                           substeps: int, n_steps: int) -> tuple[float, float]:
    """Bound on ``max |E_n / E_0 - 1|`` over ``n <= n_steps`` macro steps of the scheme.

    With the one-step map ``M = W diag(lambda) W^-1`` (:func:`multirate_step_matrix`)
    and ``c = W^-1 z0``, the energy ``E_n = z_n^T Q z_n`` is
    ``sum_jl conj(c_j) c_l G_jl conj(lambda_j)^n lambda_l^n``, ``G = W^H Q W``. With
    ``B_jl = |c_j c_l G_jl|`` and ``g_jl = max(1, |lambda_j lambda_l|^N)``:

    .. math:: \\sum_j B_{jj} \\min(1, |\\lambda_j|^{2N}) - \\sum_{j \\ne l} B_{jl} g_{jl}
              \\le E_n \\le \\sum_{jl} B_{jl} g_{jl},

    so for a stable map (every ``|lambda| = 1``) ``E_n`` stays within ``D +- S``
    (``D`` the diagonal, ``S`` the off-diagonal sum) for all time. For a single-rate
    chain the eigenvectors are the normal modes and this is the modal bound
    ``sum_i e_i (omega_i H)^2 / 4 / E_0`` of Verlet from rest; for the multi-rate
    chain every block enters with its own step and the interfaces as coupled.

    Returns
    -------
    bound : float
        The bound on the relative energy error (capped at 1e300).
    radius : float
        The spectral radius of ``M`` (1 for a stable scheme).
    """
    n = m.size
    step = multirate_step_matrix(m, k, blocks, macro_dt, substeps)
    lam, w = np.linalg.eig(step)
    z0 = np.concatenate([x0, v0]).astype(float)
    c = np.linalg.solve(w, z0.astype(complex))
    stiff = (np.diag(k[:-1] + k[1:]) - np.diag(k[1:-1], 1) - np.diag(k[1:-1], -1))
    wx, wv = w[:n], w[n:]
    gram = 0.5 * (wx.conj().T @ stiff @ wx + wv.conj().T @ (m[:, None] * wv))
    b = np.abs(np.outer(c.conj(), c) * gram)
    rho = np.abs(lam)
    log_g = n_steps * np.log(np.maximum(np.outer(rho, rho), 1e-300))
    g = np.exp(np.clip(np.maximum(log_g, 0.0), None, 690.0))
    diag = np.diag(b)
    upper = float(np.sum(b * g))
    lower = float(np.sum(diag * np.exp(np.minimum(np.diag(log_g), 0.0)))
                  - (np.sum(b * g) - np.sum(diag * np.diag(g))))
    e0 = float(0.5 * (z0[:n] @ stiff @ z0[:n] + z0[n:] @ (m * z0[n:])))
    bound = max(upper - e0, e0 - lower) / e0
    return float(min(bound, 1e300)), float(rho.max())
