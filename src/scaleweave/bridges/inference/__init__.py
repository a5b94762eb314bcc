"""Top-down bridges: hierarchical partial pooling, occupancy with detection, MCMC diagnostics."""
