"""`python -m verifier` runs the `rollproof` command line."""

import sys

from verifier.cli.main import main

sys.exit(main())
