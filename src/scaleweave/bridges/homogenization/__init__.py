"""Homogenization bridges: bounds, Mori-Tanaka, plate theory through the thickness."""
