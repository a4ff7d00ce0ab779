"""Tests of symnet.expressivity."""
