"""The claim verdicts of a site build, reused when nothing they are judged from has changed (build_cache.py).

`evaluate_claims` reads of the catalogue only each paper's id, models and claims (tests/test_page_cache.py checks
the code that judges), plus the measurements, `evaluations.yaml` and the latency record. Editing a note, a TL;DR or
a title therefore leaves every verdict as it was: the build takes them from the site cache instead of judging
the 300-odd claims again. The key hashes those inputs and every file under `tools/` and `reference_impls/` (the
engine, the model sources, tools/latency.json). A result is stored only if it reads back equal to itself.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from tools.claims import ClaimResult, Evidence, evaluate_claims

from . import build_cache


def _key(cache: build_cache.BuildCache, catalogue: Any, measurements: Mapping[str, Any]) -> str | None:
    from tools.evaluations import EVALUATIONS_FILE
    from tools.files import GENERATED_FILE_LIMIT, ReadError, read_limited

    try:
        evaluations = read_limited(EVALUATIONS_FILE, GENERATED_FILE_LIMIT)
    except ReadError:
        return None  # judged afresh, which reports the problem
    records = {model: record.model_dump_json() for model, record in sorted(measurements.items())}
    return build_cache.digest(
        "claim results",
        cache.code_digest(),
        evaluations,
        json.dumps(records, sort_keys=True),
        *(cache.judged_json(paper) for paper in catalogue.papers),
    )


def _stored(entry: Any) -> list[ClaimResult] | None:
    if not isinstance(entry, list):
        return None
    try:
        return [ClaimResult.from_json(item) for item in entry]
    except (KeyError, TypeError, ValueError):
        return None


def claim_results(catalogue: Any, measurements: Mapping[str, Any]) -> tuple[list[ClaimResult], Any]:
    """(the verdicts on every claim, the latency record), as `evaluate_claims(catalogue, measurements,
    Evidence.load())` gives them, from the active site cache when it holds them."""
    from tools.latency import read_latency

    cache = build_cache.active()
    key = _key(cache, catalogue, measurements) if cache is not None else None
    if cache is not None and key is not None:
        results = _stored(cache.claims.get(key))
        if results is not None and len(results) == sum(len(p.claims) for p in catalogue.papers):
            return results, read_latency()
    evidence = Evidence.load()  # evaluations and latency, read once for the verdicts and the pages
    results = evaluate_claims(catalogue, measurements, evidence)
    if cache is not None and key is not None:
        stored = [result.as_json() for result in results]
        if _stored(json.loads(json.dumps(stored))) == results:  # reads back exactly: tuples, floats, nesting
            cache.claims.put(key, stored)
    return results, evidence.latency


__all__ = ["claim_results"]
