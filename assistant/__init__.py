"""Amtswissen – grounded answers from a city administration's own guidelines."""
