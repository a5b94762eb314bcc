"""scaleweave.execution."""
