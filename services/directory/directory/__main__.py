"""Entry point: `python -m directory` runs the directory service."""

import sys

from penghubung.runtime.service import main

sys.exit(main("directory"))
