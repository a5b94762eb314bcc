"""scaleweave.engines."""
