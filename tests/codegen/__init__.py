"""Tests of symnet.codegen."""
