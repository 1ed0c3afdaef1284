"""Sunlight: publishes a city's joint "double random, one public" program as open data."""

__version__ = "0.1.0"
