"""`python -m bench TASK ...`: see bench/cli.py, or run `python -m bench --help`."""
from bench.cli import main

raise SystemExit(main())
