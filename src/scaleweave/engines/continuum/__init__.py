"""Continuum fields: reaction-diffusion, FFT homogenization of periodic RVEs, finite elements."""
