"""Side-by-side benchmarks: ours against a peer on the same input (``scaleweave bench NAME``)."""
