"""Homogenization bridges: bounds, Mori-Tanaka, scan-track layer RVEs, plate theory."""
