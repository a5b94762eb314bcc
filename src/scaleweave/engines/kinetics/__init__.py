"""Reaction kinetics: networks, exact SSA, tau-leaping, rate equations, the hybrid
stochastic/deterministic engine, SBML import."""
