"""The public site: `build_site` turns validated data into a static site; `serve` previews it.

Phase one is the same as `sunlight validate` (load everything, run every rule, refuse on
errors); then view-model builders (one small module per page family) turn the `Dataset` into
plain values, jinja2 templates under `site_templates/` render them into Markdown/HTML pages
in a temporary `docs/`, and MkDocs builds the site from a generated configuration. Data the
pages fetch at run time (the lookup shards, result lists, draw files, the feed) is written
beside it. Nothing replaces the old site unless every step, the privacy scan included, passed.
"""

from __future__ import annotations

from generator.publish.build import BuildReport, build_site
from generator.publish.serve import serve

__all__ = ["BuildReport", "build_site", "serve"]
