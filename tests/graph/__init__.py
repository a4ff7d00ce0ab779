"""Tests of symnet.graph."""
