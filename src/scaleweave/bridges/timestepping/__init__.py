"""Time-stepping bridges: multi-rate coupling of stiff and soft regions."""
