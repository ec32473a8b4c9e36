"""The documentation site, generated from the catalogue and the measurements.

* `generate.build_site_pages(catalogue, measurements, claim_results, repo_root=...)` -> `SiteBundle`
  ({page path: Markdown}, {asset path: bytes}); engine-agnostic, deterministic, no torch.
* `insights.build_insights(catalogue, measurements)` -> the insight pages (static SVG charts drawn with matplotlib,
  each with its table) and the compare view's data; part of the same bundle.
* `mkdocs_hook` feeds that bundle to MkDocs as virtual files (mkdocs.yml `hooks:`).
* `sanitize` makes catalogue text inert (Markdown rendered and cleaned with nh3; short fields escaped).
* `python -m tools.site.generate --out DIR` writes the pages to a folder for another engine.
"""
