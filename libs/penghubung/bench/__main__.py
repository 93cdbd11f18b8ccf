"""Entry point: `python -m penghubung.bench` runs the benchmark suite."""

import sys

from penghubung.bench.run import main

sys.exit(main())
