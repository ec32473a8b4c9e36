"""Write the site's pages to a folder, for a static-site engine other than MkDocs.

    python -m tools.site.generate --out DIR [--catalogue papers.yaml] [--measurements ...] [--file-urls]

The hand-written pages of `docs/` are copied with their markers expanded (`markers.py`; the benchmark sections
from `bench/results/`, `bench_results.py`), then every page and asset of the pipeline (`pipeline.py`) is written
next to them. The MkDocs hook builds the same bundle.
"""

from __future__ import annotations

import argparse
import shutil
import sys
from pathlib import Path

from tools.terminal import say

from .bench_results import BenchMarkerError, expand_bench_markers
from .build_cache import build_cache
from .markers import MarkerError, expand_markers
from .notes_files import NotesFileError, docs_folder_problems
from .output_dir import OutputDirError, check_output_dir, prepare_output_dir
from .pipeline import SiteBundle, SiteInputs, build_site, load_site_inputs


def write_docs_folder(bundle: SiteBundle, inputs: SiteInputs, *, docs_dir: Path, out: Path) -> list[str]:
    """Copy `docs/` (markers expanded) and the generated pages and assets into `out`. Returns written paths."""
    written: list[str] = []
    prepare_output_dir(out, docs_dir.parent)  # refuses .git, tools/, any folder this tool did not create
    for src in sorted(docs_dir.rglob("*")):
        if not src.is_file():
            continue
        rel = src.relative_to(docs_dir).as_posix()
        if rel.startswith("notes/"):
            continue  # pulled into the paper pages
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        if src.suffix == ".md":
            text = expand_markers(
                src.read_text(encoding="utf-8"),
                page_path=rel,
                catalogue=inputs.catalogue,
                claim_results=inputs.claim_results,
                source=f"docs/{rel}",
            )
            text = expand_bench_markers(text, source=f"docs/{rel}", results_dir=docs_dir.parent / "bench" / "results")
            target.write_text(text, encoding="utf-8")
        else:
            shutil.copyfile(src, target)
        written.append(rel)
    for rel, text in bundle.pages.items():
        if (docs_dir / rel).exists():
            raise FileExistsError(f"docs/{rel} is hand-written but the generator also makes {rel}; rename one")
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_text(text, encoding="utf-8")
        written.append(rel)
    for rel, data in bundle.assets.items():
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(data)
        written.append(rel)
    return sorted(written)


def main(argv: list[str] | None = None) -> int:
    from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, CatalogueError
    from tools.latency import LatencyFileError
    from tools.measurements import MEASUREMENTS_FILE, MeasurementsFileError

    parser = argparse.ArgumentParser(
        prog="python -m tools.site.generate",
        description="Write the site's pages (hand-written ones with markers expanded, plus every generated page "
        "and asset) to a folder, for a static-site engine other than MkDocs.",
    )
    parser.add_argument("--out", required=True, type=Path, help="output folder (replaced)")
    parser.add_argument("--catalogue", type=Path, default=DEFAULT_CATALOGUE)
    parser.add_argument("--measurements", type=Path, default=MEASUREMENTS_FILE)
    parser.add_argument("--file-urls", action="store_true", help="pages are served as papers/<id>.html")
    args = parser.parse_args(argv)
    docs_dir = REPO_ROOT / "docs"
    try:
        out = check_output_dir(args.out, REPO_ROOT)
    except OutputDirError as exc:
        say(str(exc), file=sys.stderr)
        return 2
    try:
        with build_cache(REPO_ROOT):  # work of earlier runs, saved only if this run succeeds
            inputs = load_site_inputs(args.catalogue, args.measurements, display_name=_display(args.catalogue))
            refused = docs_folder_problems(docs_dir, {p.id for p in inputs.catalogue.papers})
            if refused:
                raise NotesFileError("\n".join(refused))
            bundle = build_site(inputs, repo_root=REPO_ROOT, directory_urls=not args.file_urls)
            written = write_docs_folder(bundle, inputs, docs_dir=docs_dir, out=out)
    except CatalogueError as exc:
        say(exc.report(), file=sys.stderr)
        return 2
    except (
        MeasurementsFileError,
        LatencyFileError,
        MarkerError,
        BenchMarkerError,
        FileExistsError,
        NotesFileError,
        OutputDirError,
    ) as exc:
        say(str(exc), file=sys.stderr)
        return 2
    say(f"wrote {len(written)} files to {out}")
    return 0


def _display(path: Path) -> str:
    """How a catalogue path appears in error messages: relative to the current directory when inside it."""
    try:
        return Path(path).resolve().relative_to(Path.cwd().resolve()).as_posix()
    except ValueError:
        return str(path)


__all__ = [
    "MarkerError",
    "SiteBundle",
    "SiteInputs",
    "build_site",
    "expand_markers",
    "load_site_inputs",
    "main",
    "write_docs_folder",
]

if __name__ == "__main__":
    sys.exit(main())
