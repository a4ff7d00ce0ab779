"""Tests of symnet.testing."""
