"""Geometry generators: microstructures (inclusions, grains, scan tracks) and landscapes."""
