"""`python -m bench TASK ...`: see bench/cli.py, or run `python -m bench --help`."""
import os
import sys

from bench.cli import main

if __name__ == "__main__":  # not when a Dask worker process re-imports the main module
    try:
        code = main()
        sys.stdout.flush()
    except BrokenPipeError:  # output piped into `head` and the like: stop quietly
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        code = 1
    raise SystemExit(code)
