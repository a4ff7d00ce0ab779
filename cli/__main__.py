"""Run the command line as ``python -m symnet.cli``."""

from symnet.cli import main

if __name__ == "__main__":
    main(prog_name="symnet")
