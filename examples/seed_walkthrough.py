"""Walk through the lecture notes' worked example: the 3-2-2-1 network without biases.

A placeholder for now: it only prints a banner, so that `make demo` runs.
"""

print("symnet demo")
