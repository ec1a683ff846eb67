"""Shapes of the domain shared by every layer."""
