"""Open data packages (issue #5): every public table as CSV, XLSX, SQLite and JSON, per-year and
complete archives with the draw files, SHA256SUMS, datapackage.json, a changelog per release and
a feed, under `data/<version>/` and `data/latest/` of the site. Every past release is carried over.

`build_open_data` is the library entry point; `generator.publish.build` calls it.
"""

from generator.opendata.build import OpenDataRelease, build_open_data

__all__ = ["OpenDataRelease", "build_open_data"]
