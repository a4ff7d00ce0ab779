"""Tests of symnet.report."""
