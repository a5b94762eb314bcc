"""Lattices and lattice kinetic Monte Carlo."""
