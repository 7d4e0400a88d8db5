"""The docs stage: a static HTML reference per vendor plus an index page, rendered from the IR.

`render_site` is pure (IR in, files in memory out); `publish` loads every spec, renders, then swaps the site in.
"""

from generator.docs.site import MARKER, OutputRefused, load_apis, publish, render_site, write_site

__all__ = ["MARKER", "OutputRefused", "load_apis", "publish", "render_site", "write_site"]
