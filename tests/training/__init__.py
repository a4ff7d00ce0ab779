"""Tests of symnet.training."""
