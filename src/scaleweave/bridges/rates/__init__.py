"""Rate bridges: NEB barriers, Arrhenius rates, transport coefficients from trajectories."""
