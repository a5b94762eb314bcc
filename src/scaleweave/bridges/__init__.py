"""scaleweave.bridges."""
