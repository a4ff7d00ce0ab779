"""Tests of the command line (symnet.cli)."""
