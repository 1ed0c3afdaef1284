"""Open data packages (issue #5): every public table as CSV, XLSX, SQLite and JSON, per-year and
complete archives with the draw files, SHA256SUMS, datapackage.json, a changelog per release and
a feed: one flat folder per release, in the site's `data/<version>/` or in separate storage
(generator.opendata.storage). Every past release stays where it was published.

`build_open_data` is the library entry point; `generator.publish.build` calls it.
"""

from generator.opendata.build import OpenDataRelease, build_open_data

__all__ = ["OpenDataRelease", "build_open_data"]
