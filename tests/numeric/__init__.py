"""Tests of symnet.numeric."""
