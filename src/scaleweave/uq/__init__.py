"""scaleweave.uq."""
