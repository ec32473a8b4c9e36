"""The documentation site, generated from the catalogue, the measurements and the verdicts.

* `pipeline.load_site_inputs(catalogue_path)` loads all three once; `pipeline.build_site(inputs, repo_root=...)`
  gives a `SiteBundle` ({page path: Markdown}, {asset path: bytes}); engine-agnostic, deterministic, no torch.
  The MkDocs hook (`mkdocs_hook`) and the CLI (`python -m tools.site.generate --out DIR`) both call them.
* `views` collects what a page shows into dataclasses; `render` is the Jinja environment (autoescape on) with
  the formatting filters (`md`, `text`, `badge`, `count`, `gmacs`, ...); templates live in `templates/`.
* `records` reads a measurement record into the costs the pages show; `notes` marks refuted sentences in the
  reading notes; `paper_page` and `tables` build the paper pages and the list pages; `markers` expands the
  `<!-- catalogue:... -->` markers of hand-written pages.
* `insights` builds the insight pages (static SVG charts drawn with matplotlib) and the compare view's data.
* `sanitize` makes catalogue text inert (Markdown rendered and cleaned with nh3; short fields escaped).
"""
