"""scaleweave.core."""
