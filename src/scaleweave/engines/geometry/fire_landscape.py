"""Fire-history landscapes: burned patches of different severities and ages, and pyrodiversity.

A landscape is a periodic grid (a torus, so every buffer is whole). Fires arrive as
a Poisson process over ``years``; each burns an irregular patch (a disc whose edge is
roughened by a smooth random field) and leaves, pixel by pixel, a severity class
that depends on a smooth random field and on an environmental covariate (so that
fire severity, hence pyrodiversity, is correlated with the environment: the
confounder a scale-selection study must control). The last fire at a pixel sets
its age and severity.

Pyrodiversity at a spatial scale is the Shannon diversity of the fire classes
(severity x age, plus unburned) within a disc buffer of that radius around each
pixel (the measure of e.g. Tingley et al. 2016, Proc. R. Soc. B 283:20161703),
computed for all pixels and radii at once by FFT convolution.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.fft as sfft
from numba import njit

from scaleweave.errors import ConfigError

__all__ = [
    "FireHistory",
    "class_proportions",
    "disk_kernel",
    "fire_classes",
    "pyrodiversity",
    "simulate_fire_history",
    "smooth_field",
]


def smooth_field(shape: tuple[int, int], correlation_px: float,
                 rng: np.random.Generator) -> np.ndarray:
    """A periodic Gaussian random field with a Gaussian covariance, standardised.

    Parameters
    ----------
    shape : (int, int)
        Grid size (pixels).
    correlation_px : float
        Correlation length (pixels): the standard deviation of the Gaussian filter
        applied to white noise.
    rng : numpy.random.Generator

    Returns
    -------
    ndarray
        Mean 0, standard deviation 1 over the grid.
    """
    if not 0 < correlation_px <= min(shape) / 4:
        raise ConfigError(f"smooth_field: correlation length must be in (0, {min(shape) / 4:g}]"
                          f" px (a quarter of the grid), got {correlation_px!r}")
    noise = rng.standard_normal(shape)
    kx = sfft.fftfreq(shape[0])[:, None]
    ky = sfft.rfftfreq(shape[1])[None, :]
    filt = np.exp(-2.0 * (np.pi * correlation_px) ** 2 * (kx**2 + ky**2))
    field = sfft.irfft2(sfft.rfft2(noise) * filt, s=shape)
    return (field - field.mean()) / field.std()


@dataclass(frozen=True)
class FireHistory:
    """The fire record of a landscape.

    Attributes
    ----------
    age : ndarray of float
        Years since the last fire at each pixel (``inf``: never burned).
    severity : ndarray of int
        Severity class of the last fire (0 unburned, 1 low, 2 moderate, 3 high).
    n_fires : int
        Fires simulated.
    cell_size : float
        Pixel side (m).
    """

    age: np.ndarray
    severity: np.ndarray
    n_fires: int
    cell_size: float

    @property
    def burned_fraction(self) -> float:
        """Fraction of pixels burned at least once."""
        return float(np.mean(self.severity > 0))


@njit(cache=True)
def _burn(last_year, severity, years, cx, cy, radius, ox, oy, sev_shift, edge, sev_noise,
          env, roughness, env_severity):  # pragma: no cover - compiled
    nx, ny = last_year.shape
    for f in range(years.size):
        r = radius[f]
        reach = int(np.ceil(r * (1.0 + roughness))) + 1
        for dx in range(-reach, reach + 1):
            for dy in range(-reach, reach + 1):
                d = np.sqrt(dx * dx + dy * dy)
                if d > r * (1.0 + roughness) + 0.5:
                    continue
                x = (int(cx[f]) + dx) % nx
                y = (int(cy[f]) + dy) % ny
                if d / r + roughness * edge[(x + ox[f]) % nx, (y + oy[f]) % ny] >= 1.0:
                    continue
                if years[f] < last_year[x, y]:
                    continue  # a later fire has already burned here
                last_year[x, y] = years[f]
                s = sev_noise[(x + oy[f]) % nx, (y + ox[f]) % ny] + env_severity * env[x, y] \
                    + sev_shift[f]
                severity[x, y] = 1 if s < -0.5 else (2 if s < 0.5 else 3)


def simulate_fire_history(shape: tuple[int, int], cell_size: float, years: float,
                          fire_rate: float, mean_radius: float, env: np.ndarray,
                          rng: np.random.Generator, *, radius_sd_log: float = 0.5,
                          roughness: float = 0.3, env_severity: float = 1.0,
                          env_ignition: float = 0.0, severity_correlation: float = 150.0
                          ) -> FireHistory:
    """Simulate fires on a periodic landscape.

    Parameters
    ----------
    shape : (int, int)
        Grid size (pixels).
    cell_size : float
        Pixel side (m).
    years : float
        Length of the fire record (years).
    fire_rate : float
        Fires per year over the whole landscape (Poisson).
    mean_radius : float
        Median fire radius (m); radii are log-normal with ``radius_sd_log``.
    env : ndarray
        Environmental covariate on the grid (standardised), raising severity by
        ``env_severity`` per unit.
    rng : numpy.random.Generator
    roughness : float
        Amplitude of the edge roughening (0: discs).
    env_severity : float
        Shift of the severity field per unit of ``env``.
    env_ignition : float
        Log ignition density per unit of ``env`` (fires start preferentially where
        ``env`` is high), which correlates fire frequency, hence pyrodiversity, with
        the environment.
    severity_correlation : float
        Correlation length of the within-fire severity field (m).

    Returns
    -------
    FireHistory
    """
    if years <= 0 or fire_rate < 0 or mean_radius <= 0 or cell_size <= 0:
        raise ConfigError(
            f"fire history: need years > 0, fire_rate >= 0, mean_radius > 0 and "
            f"cell_size > 0 (got {years}, {fire_rate}, {mean_radius}, {cell_size})")
    if not 0.0 <= roughness < 1.0:
        raise ConfigError(f"fire history: roughness must be in [0, 1), got {roughness}")
    if env.shape != tuple(shape):
        raise ConfigError(f"fire history: env has shape {env.shape}, grid is {tuple(shape)}")
    nx, ny = shape
    n = int(rng.poisson(fire_rate * years))
    fire_years = np.sort(rng.uniform(0.0, years, n))
    weight = np.exp(env_ignition * (env - env.max())).ravel()
    start = rng.choice(env.size, size=n, p=weight / weight.sum())
    cx, cy = np.divmod(start, ny)
    radius = mean_radius / cell_size * np.exp(radius_sd_log * rng.standard_normal(n)) \
        if radius_sd_log > 0 else np.full(n, mean_radius / cell_size)
    radius = np.maximum(radius, 0.5)
    ox = rng.integers(0, nx, n)
    oy = rng.integers(0, ny, n)
    sev_shift = 0.5 * rng.standard_normal(n)
    edge = (smooth_field(shape, min(max(radius.mean() / 3.0, 1.0), min(shape) / 4), rng)
            if n else np.zeros(shape))
    sev_noise = smooth_field(shape, min(severity_correlation / cell_size, min(shape) / 4), rng)
    last_year = np.full(shape, -np.inf)
    severity = np.zeros(shape, dtype=np.int64)
    _burn(last_year, severity, fire_years, cx, cy, radius, ox, oy, sev_shift, edge, sev_noise,
          np.ascontiguousarray(env, dtype=float), float(roughness), float(env_severity))
    age = years - last_year  # inf where never burned
    return FireHistory(age=age, severity=severity, n_fires=n, cell_size=float(cell_size))


def fire_classes(history: FireHistory, age_breaks: tuple[float, ...] = (10.0, 30.0)
                 ) -> tuple[np.ndarray, int]:
    """Fire classes: severity x age class, with 0 for never burned.

    Parameters
    ----------
    history : FireHistory
    age_breaks : tuple of float
        Edges of the age classes (years since fire).

    Returns
    -------
    classes : ndarray of int
        Class of each pixel, ``0 .. n_classes - 1``.
    n_classes : int
        ``1 + 3 * (len(age_breaks) + 1)``.
    """
    n_age = len(age_breaks) + 1
    age_class = np.digitize(history.age, np.asarray(age_breaks, dtype=float))
    burned = history.severity > 0
    classes = np.where(burned, 1 + (history.severity - 1) * n_age + age_class, 0)
    return classes.astype(np.int64), 1 + 3 * n_age


def disk_kernel(shape: tuple[int, int], radius_px: float) -> np.ndarray:
    """A normalised disc of radius ``radius_px`` centred at pixel (0, 0), periodic.

    The centre pixel is always included, so a radius below one pixel is the pixel
    itself.
    """
    ix = np.minimum(np.arange(shape[0]), shape[0] - np.arange(shape[0]))[:, None]
    iy = np.minimum(np.arange(shape[1]), shape[1] - np.arange(shape[1]))[None, :]
    disk = (ix**2 + iy**2 <= radius_px**2).astype(float)
    return disk / disk.sum()


def class_proportions(classes: np.ndarray, n_classes: int, radii_px: np.ndarray
                      ) -> np.ndarray:
    """Proportion of each class inside a disc around every pixel, for each radius.

    Parameters
    ----------
    classes : ndarray of int, shape (nx, ny)
    n_classes : int
    radii_px : array of float, shape (R,)
        Buffer radii (pixels); a radius must stay below half the grid, or the disc
        would wrap onto itself.

    Returns
    -------
    ndarray, shape (R, n_classes, nx, ny)
    """
    shape = classes.shape
    radii_px = np.atleast_1d(np.asarray(radii_px, dtype=float))
    if np.any(radii_px >= min(shape) / 2):
        raise ConfigError(
            f"pyrodiversity: buffer radius {radii_px.max():g} px is not below half the "
            f"landscape ({min(shape) / 2:g} px); enlarge the landscape or drop that scale")
    onehot = (classes[None, :, :] == np.arange(n_classes)[:, None, None]).astype(float)
    f_classes = sfft.rfft2(onehot, workers=-1)
    f_disks = sfft.rfft2(np.stack([disk_kernel(shape, r) for r in radii_px]), workers=-1)
    props = sfft.irfft2(f_disks[:, None] * f_classes[None], s=shape, workers=-1)
    return np.clip(props, 0.0, 1.0)


def pyrodiversity(classes: np.ndarray, n_classes: int, radii_px: np.ndarray) -> np.ndarray:
    """Shannon diversity ``-sum p ln p`` of fire classes within each buffer radius.

    Returns
    -------
    ndarray, shape (R, nx, ny)
        Nats; 0 for a buffer of one class, ``ln K`` for K classes in equal shares.
    """
    p = class_proportions(classes, n_classes, radii_px)
    with np.errstate(divide="ignore", invalid="ignore"):
        terms = np.where(p > 1e-12, -p * np.log(p), 0.0)
    return terms.sum(axis=1)
