"""Model reduction bridges: quasi-steady-state approximation with its epsilon."""
