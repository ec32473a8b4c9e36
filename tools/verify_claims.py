"""Check every claim in the catalogue against numbers recomputed from the reference implementations.

    python tools/verify_claims.py [--catalogue PATH] [--paper ID] [--json] [--update] [--check] [--validate-only]

Default: validate the catalogue, read tools/measurements.json, print every claim's verdict and a summary.
--update          re-measure the models whose key changed (in parallel) and rewrite the measurements file.
--check           also fail if any measurement is stale or missing.
--json            print one JSON document (models and claims) instead of the table.
--validate-only [--docs DIR]  only validate the catalogue and the notes in DIR/notes/ (imports no torch, writes
                  nothing). DIR defaults to this repository's docs/, the folder the site build reads whatever
                  --catalogue is; every file of DIR/notes/ must be `<id>.md` for a paper of the catalogue.
--audit [--base REF]  re-measure every model whose entry differs from REF's file, plus a few random others;
                  exit 1 on any mismatch (catches hand-edited numbers that --check cannot see).
--update-latency  time every registered model on this CPU and rewrite tools/latency.json (tools/latency.py;
                  protocol on docs/conventions.md). Run it on a quiet machine; never part of the tests.

Exit codes: 0 = valid, no unacknowledged refutation, no error verdict, no stale measurement;
1 = an unacknowledged refuted claim, an error verdict, or a stale/missing measurement;
2 = invalid catalogue or usage (file:line messages; nothing written).
With every measurement fresh, a run never imports torch. A report (default, --check, --json, --paper) whose
inputs and code are unchanged since the last run is printed from `.cache/verify_claims/` (tools/verdict_cache.py;
VERIFY_CLAIMS_CACHE=0 bypasses it).
"""

from __future__ import annotations

import sys
from pathlib import Path

if __name__ == "__main__":  # run as a script: make the repository root importable instead of tools/
    sys.path[0] = str(Path(__file__).resolve().parents[1])
    from tools.verdict_cache import serve

    # A report whose inputs and code are unchanged since the last run is printed from .cache/ (tools/verdict_cache.py).
    if (cached_exit := serve(sys.argv[1:])) is not None:
        sys.exit(cached_exit)

import argparse
import json
from collections.abc import Sequence
from typing import Any

from tools.catalogue import DEFAULT_CATALOGUE, REPO_ROOT, Catalogue, CatalogueError, load_catalogue
from tools.claims import ClaimResult, Summary, evaluate_claims
from tools.files import display_path
from tools.measurements import (
    MEASUREMENTS_FILE,
    MeasurementRecord,
    MeasurementsFileError,
    read_measurements,
    stale_models,
)
from tools.terminal import say

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python tools/verify_claims.py",
        description="Give every claim in papers.yaml a verdict from recomputed measurements.",
        formatter_class=argparse.RawDescriptionHelpFormatter,
        epilog="exit codes: 0 ok; 1 refuted (unacknowledged), error or stale; 2 invalid catalogue or usage",
    )
    parser.add_argument(
        "--catalogue", type=Path, default=DEFAULT_CATALOGUE, help="catalogue file (default: papers.yaml)"
    )
    parser.add_argument("--measurements", type=Path, default=MEASUREMENTS_FILE, help=argparse.SUPPRESS)
    parser.add_argument("--paper", metavar="ID", help="only this paper's claims and models")
    parser.add_argument("--json", action="store_true", help="print one JSON document")
    parser.add_argument("--update", action="store_true", help="re-measure stale or missing models")
    parser.add_argument("--check", action="store_true", help="fail if any measurement is stale or missing")
    parser.add_argument("--validate-only", action="store_true", help="only validate the catalogue and the notes")
    parser.add_argument(
        "--docs",
        type=Path,
        default=REPO_ROOT / "docs",
        metavar="DIR",
        help="the docs folder --validate-only checks (default: the repository's docs/, which the build reads)",
    )
    parser.add_argument(
        "--audit",
        action="store_true",
        help="re-measure the models whose entry differs from --base, and a few others; fail on any "
        "mismatch with the file",
    )
    parser.add_argument("--base", metavar="REF", default="HEAD", help="git ref the audit compares with (default HEAD)")
    parser.add_argument("--audit-sample", type=int, default=3, metavar="N", help=argparse.SUPPRESS)
    parser.add_argument("--update-latency", action="store_true", help="time every model on this CPU (slow)")
    parser.add_argument("--workers", type=int, default=None, help=argparse.SUPPRESS)
    parser.add_argument("--timeout", type=float, default=None, help=argparse.SUPPRESS)  # seconds per model
    return parser


def _paper_models(catalogue: Catalogue, paper_id: str | None) -> list[str]:
    """Models that the catalogue's pages and claims need (of one paper, or of all papers)."""
    needed: set[str] = set()
    for paper in catalogue.papers:
        if paper_id is not None and paper.id != paper_id:
            continue
        needed.update(m.id for m in paper.models)
        for claim in paper.claims:
            needed.update(m for m in (claim.model, claim.compared_to, *claim.models) if m)
    return sorted(needed)


def _model_json(
    model_id: str, entry: MeasurementRecord | None, status: str | None, latency: Any = None
) -> dict[str, Any]:
    """One model in `--json`: its fidelity, its measurement record field for field, and its CPU latency."""
    from reference_impls import REGISTRY

    spec = REGISTRY.get(model_id)
    record = entry.model_dump(mode="json") if entry is not None else {}
    record.pop("id", None)
    timed = latency.models.get(model_id) if latency is not None else None
    one = timed.at(1) if timed is not None else None
    return {
        "id": model_id,
        "fidelity": spec.fidelity if spec else None,
        **record,
        "status": status or "fresh",
        "latency_1_thread_ms": one.median_ms if one else None,
        "latency": (
            {"machine": latency.machine.describe(), "timings": [t.model_dump() for t in timed.timings]}
            if timed is not None
            else None
        ),
    }


def _print_table(results: Sequence[ClaimResult]) -> None:
    import shutil
    import textwrap

    width = shutil.get_terminal_size((160, 20)).columns
    columns = [("paper", 22), ("claim", 26), ("claimed", 30), ("measured", 14), ("verdict", 12)]
    fixed = sum(w + 2 for _, w in columns)
    diag_width = max(30, width - fixed)
    header = "  ".join(name.ljust(w) for name, w in columns) + "  diagnosis"
    say(header)
    say("-" * min(width, len(header) + diag_width - 9))
    for r in results:
        verdict = r.verdict + ("*" if r.acknowledged and r.verdict == "refuted" else "")
        cells = [r.paper, r.claim_id, r.claimed, r.measured or "—", verdict]
        note = "; ".join(r.diagnosis) or ("" if r.verdict in ("verified", "cited") else r.summary)
        if r.acknowledged and r.verdict == "refuted":
            note = (note + "; " if note else "") + "acknowledged: " + r.acknowledged
        wrapped = textwrap.wrap(note, diag_width) or [""]
        line = "  ".join(_clip(c, w).ljust(w) for c, (_, w) in zip(cells, columns, strict=True))
        say(f"{line}  {wrapped[0]}")
        for extra in wrapped[1:]:
            say(" " * fixed + extra)


def _clip(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1] + "…"


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    display = display_path(args.catalogue)
    try:
        catalogue = load_catalogue(args.catalogue, display_name=display)
    except CatalogueError as exc:
        say(exc.report(), file=sys.stderr)
        return EXIT_INVALID
    if args.paper is not None and args.paper not in {p.id for p in catalogue.papers}:
        say(f"error: no paper with id {args.paper!r} in {display}", file=sys.stderr)
        return EXIT_INVALID
    if args.validate_only:
        from tools.site.notes_files import docs_folder_problems

        refused = docs_folder_problems(args.docs, {p.id for p in catalogue.papers})  # the folder the build reads
        if refused:
            say(
                "\n".join(refused) + f"\n{len(refused)} refused file(s) in docs/; nothing was written.", file=sys.stderr
            )
            return EXIT_INVALID
        if not args.json:
            say(
                f"{display}: valid ({len(catalogue.papers)} papers, "
                f"{sum(len(p.claims) for p in catalogue.papers)} claims)"
            )
        else:
            say(json.dumps({"valid": True, "papers": len(catalogue.papers)}))
        return EXIT_OK

    if args.audit:
        from tools.audit import run_audit

        models = _paper_models(catalogue, args.paper) if args.paper else None
        return run_audit(
            args.measurements,
            base=args.base,
            models=models,
            sample=args.audit_sample,
            workers=args.workers,
            timeout=args.timeout,
        )
    try:
        measurements = read_measurements(args.measurements)
    except MeasurementsFileError as exc:
        say(f"error: {exc}", file=sys.stderr)
        if not args.update:
            return EXIT_INVALID
        measurements = {}  # --update rebuilds an unreadable file from scratch
    if args.update_latency:
        from tools.latency import update_latency

        update_latency(catalogue)
    wanted = _paper_models(catalogue, args.paper)
    stale = stale_models(measurements, wanted)
    if args.update:
        from tools.files import WriteError
        from tools.update_measurements import models_to_measure, update

        todo = models_to_measure(measurements, wanted)  # stale, missing, or cut short by a dead process
        if todo:
            say(f"measuring {len(todo)} model(s): {', '.join(sorted(todo))}", file=sys.stderr)
            try:
                measurements = update(
                    todo, measurements, path=args.measurements, workers=args.workers, timeout=args.timeout
                )
            except WriteError as exc:
                say(f"error: {exc}", file=sys.stderr)
                return EXIT_INVALID
            stale = stale_models(measurements, wanted)
    return _report(args, catalogue, measurements, stale, wanted)


def _report(
    args: argparse.Namespace,
    catalogue: Catalogue,
    measurements: dict[str, Any],
    stale: dict[str, str],
    wanted: list[str],
) -> int:
    from tools.claims import Evidence
    from tools.evaluations import load_evaluations
    from tools.latency import LatencyFileError, check_lines, read_latency

    latency_problem: LatencyFileError | None = None
    try:  # read once: the verdicts, `--json` and `--check` all use it
        latency = read_latency()
    except LatencyFileError as exc:  # bound to another machine: reported, never a failure
        latency, latency_problem = None, exc
    results = evaluate_claims(catalogue, measurements, Evidence(tuple(load_evaluations()), latency))
    if args.paper is not None:
        results = [r for r in results if r.paper == args.paper]
    summary = Summary.of(results)
    errors = [m for m in wanted if m in measurements and measurements[m].error]
    failed = bool(
        summary.unacknowledged_refuted or summary.counts["error"] or errors or stale or summary.stale_acknowledgements
    )

    if args.json:
        document = {
            "models": [_model_json(m, measurements.get(m), stale.get(m), latency) for m in wanted],
            "claims": [r.as_json() for r in results],
            "summary": {
                **summary.counts,
                "unacknowledged_refuted": summary.unacknowledged_refuted,
                "stale_acknowledgements": summary.stale_acknowledgements,
                "stale_models": sorted(stale),
                "failed_models": errors,
            },
        }
        say(json.dumps(document, indent=2, sort_keys=True, ensure_ascii=False))
        return EXIT_FAILED if failed else EXIT_OK

    _print_table(results)
    c = summary.counts
    acknowledged = c["refuted"] - summary.unacknowledged_refuted
    say(
        f"\n{len(results)} claims: {c['verified']} verified, {c['refuted']} refuted ({acknowledged} acknowledged), "
        f"{c['inconclusive']} inconclusive, {c['cited']} cited, {c['error']} error"
    )
    for model_id in errors:
        say(f"model {model_id}: measurement failed: {measurements[model_id].error}")
    for claim in summary.stale_acknowledgements:
        say(f"claim {claim}: acknowledged as refuted but no longer refuted; remove its `acknowledged` field")
    if stale:
        listing = ", ".join(f"{m} ({why})" for m, why in sorted(stale.items()))
        say(
            f"{len(stale)} measurement(s) stale or missing: {listing}\n"
            "  run `python tools/verify_claims.py --update` to re-measure them"
        )
    elif args.check:
        say("all measurements are fresh")
    if args.check:
        say(f"latency: {latency_problem}" if latency_problem else "\n".join(check_lines(latency)))
    return EXIT_FAILED if failed else EXIT_OK


if __name__ == "__main__":
    from tools.verdict_cache import run_and_store

    sys.exit(run_and_store(main, sys.argv[1:]))
