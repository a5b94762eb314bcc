"""Particle dynamics: spring chains (and, to come, molecular and agent models)."""
