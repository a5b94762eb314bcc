"""Discretisation of the FFT homogenization engine: frequency vectors and Green operators.

The Green operator ``Gamma0 ~ k k^H / |k|^2`` of the Lippmann–Schwinger equation is
diagonal in Fourier space; this module builds its symbol ``k`` on the half spectrum of
``rfftn`` (:func:`frequency_vectors`: Moulinec & Suquet's trigonometric ``i xi`` or
Willot's 2015 rotated finite differences), the elastic Green tensor
(:func:`elastic_green`) and the FFT helpers the solvers and the problems of
:mod:`scaleweave.engines.continuum.fft_homogenization` share.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Literal

import numpy as np
import scipy.fft

from scaleweave.errors import ConfigError

__all__ = ["elastic_green", "field_dot", "field_rms", "forward_fft", "frequency_vectors",
           "inverse_fft", "spatial_axes"]

Discretization = Literal["rotated", "fourier"]


def frequency_vectors(shape: Sequence[int], discretization: Discretization = "rotated"
                      ) -> np.ndarray:
    """Discrete derivative symbols ``k`` on the half spectrum of ``rfftn``.

    Parameters
    ----------
    shape : sequence of int
        Grid shape (2 or 3 axes).
    discretization : {"rotated", "fourier"}
        Willot's rotated finite differences or the trigonometric symbol ``i xi``.

    Returns
    -------
    ndarray, complex, shape ``(d, *half_shape)``
        ``k(-xi) = conj(k(xi))``, so real fields stay real.

    Examples
    --------
    >>> frequency_vectors((4, 4)).shape
    (2, 4, 3)
    """
    d = len(shape)
    freqs = [np.fft.fftfreq(n) for n in shape[:-1]] + [np.fft.rfftfreq(shape[-1])]
    xi = list(np.meshgrid(*[2.0 * np.pi * f for f in freqs], indexing="ij"))
    if discretization == "fourier":
        # the Nyquist derivative of an even grid is zeroed: i xi there is not
        # Hermitian-consistent, and P would not be a symmetric projection
        for a, n in enumerate(shape):
            if n % 2 == 0:
                xi[a] = np.where(np.isclose(np.abs(xi[a]), np.pi), 0.0, xi[a])
        return 1j * np.stack(xi)
    if discretization != "rotated":
        raise ConfigError(f"discretization must be 'rotated' or 'fourier', "
                          f"not {discretization!r}")
    z = [np.exp(1j * x) for x in xi]
    half = [(1.0 + zb) / 2.0 for zb in z]
    k = []
    for a in range(d):
        ka = z[a] - 1.0
        for b in range(d):
            if b != a:
                ka = ka * half[b]
        k.append(ka)
    return np.stack(k)


def elastic_green(k: np.ndarray, lam0: float, mu0: float) -> np.ndarray:
    """Inverse acoustic tensor ``N = (D^H C0 D)^-1`` of an isotropic reference medium.

    Parameters
    ----------
    k : ndarray, complex, shape ``(d, *half)``
        Frequency vectors (:func:`frequency_vectors`).
    lam0, mu0 : float
        Lamé constants of the reference medium (Pa; ``lam0 = 0``, ``mu0 = 1/2`` gives
        the L2-orthogonal projection onto compatible strains).

    Returns
    -------
    ndarray, complex, shape ``(d, d, *half)``
        Zero at the zero frequency (the mean strain is imposed, not solved for).
    """
    d = k.shape[0]
    k2 = np.sum(np.abs(k) ** 2, axis=0)
    a = (mu0 * k2 * np.eye(d)[(..., *([None] * k2.ndim))]
         + mu0 * k[:, None] * k.conj()[None, :] + lam0 * k.conj()[:, None] * k[None, :])
    a = np.moveaxis(a, (0, 1), (-2, -1))
    zero = k2 <= 1e-12
    a[zero] = np.eye(d)
    n = np.linalg.inv(a)
    n[zero] = 0.0
    return np.moveaxis(n, (-2, -1), (0, 1))


def spatial_axes(ndim: int) -> tuple[int, ...]:
    """The trailing ``ndim`` axes of a field: the grid's."""
    return tuple(range(-ndim, 0))


def forward_fft(x: np.ndarray, ndim: int, workers: int) -> np.ndarray:
    """``rfftn`` of a field over its grid axes (``workers`` threads)."""
    return scipy.fft.rfftn(x, axes=spatial_axes(ndim), workers=workers)


def inverse_fft(x: np.ndarray, shape: Sequence[int], workers: int) -> np.ndarray:
    """``irfftn`` back to a real field on a grid of ``shape``."""
    return scipy.fft.irfftn(x, s=shape, axes=spatial_axes(len(shape)), workers=workers)


def field_dot(a: np.ndarray, b: np.ndarray) -> float:
    """Inner product of two real fields (einsum, not BLAS: BLAS threads stall under load)."""
    return float(np.einsum("i,i->", a.ravel(), b.ravel()))


def field_rms(x: np.ndarray, ndim: int) -> float:
    """RMS norm of a field over its grid (the sum over components, mean over voxels)."""
    n = np.prod(x.shape[-ndim:])
    return float(np.sqrt(field_dot(x, x) / n))
