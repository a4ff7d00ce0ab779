"""Tests of symnet.conv."""
