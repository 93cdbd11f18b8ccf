"""Entry point: `python -m disposition` runs the disposition service."""

import sys

from penghubung.runtime.service import main

sys.exit(main("disposition"))
