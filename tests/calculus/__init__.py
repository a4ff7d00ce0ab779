"""Tests of symnet.calculus."""
