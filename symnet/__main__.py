"""Run the command line as ``python -m symnet``: the same as the ``symnet`` command.

Only click and the command line's table of commands are imported here, so
``python -m symnet --help`` answers at once; each command imports what it needs when it runs.
"""

from symnet.cli import main

if __name__ == "__main__":
    main(prog_name="symnet")
