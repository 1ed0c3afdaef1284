"""`python -m generator.sample [DIR] [--objects N]`: regenerate the sample data set."""

import argparse
from pathlib import Path

from generator.sample.build import OBJECTS, generate

parser = argparse.ArgumentParser(prog="python -m generator.sample",
                                 description="Regenerate the seeded sample data set (示例数据).")
parser.add_argument("directory", nargs="?", type=Path, default=Path("data"))
parser.add_argument("--objects", type=int, default=OBJECTS, help="directory size (default: %(default)s)")
args = parser.parse_args()
generate(args.directory, args.objects)
