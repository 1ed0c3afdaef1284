"""`python -m generator.sample [DIR]`: regenerate the sample data set (default: data)."""

import sys
from pathlib import Path

from generator.sample.build import generate

generate(Path(sys.argv[1] if len(sys.argv) > 1 else "data"))
