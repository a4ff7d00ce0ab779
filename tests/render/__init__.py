"""Tests of symnet.render."""
