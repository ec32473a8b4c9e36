"""Load `papers.yaml`, validate it against the schema and cross-check references; report every problem at once."""

from __future__ import annotations

import re
import types
import typing
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ValidationError
from pydantic_core import ErrorDetails

from reference_impls import REGISTRY

from .errors import CatalogueError, Problem, format_path
from .printed_numbers import find_printed, rescaled_match, scale_name, value_is_printed
from .schema import ACCURACY_QUANTITIES, MAX_REL_TOLERANCE, Catalogue, Claim, Paper, allowed_units
from .tags import ALLOWED_TAGS
from .text_rules import title_key
from .yaml_lines import Loc, Positions, load_yaml_with_positions

_PATTERN_HINTS = {
    "id": "use lowercase letters, digits and single hyphens, e.g. `res2net` or `flops-vs-resnet50`",
    "related": "use a paper id (lowercase letters, digits and hyphens)",
    "doi": "write the bare DOI, e.g. `10.1109/TPAMI.2019.2938758`",
    "key": "use letters, digits, `_`, `:` or `-`, e.g. `gao2021res2net`",
    "model": "use a registry id such as `resnet50` (see reference_impls.list_models())",
    "compared_to": "use a registry id such as `resnet50` (see reference_impls.list_models())",
}


def _allowed_fields(loc: Loc, root: type[BaseModel] = Catalogue) -> list[str]:
    """Field names allowed at the mapping that holds `loc[-1]`, found by walking the schema models from `root`."""
    annotation: Any = root
    for part in loc[:-1]:
        annotation = _unwrap(annotation)
        if isinstance(part, int):
            args = typing.get_args(annotation)
            annotation = args[0] if args else Any
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
        else:
            return []
    annotation = _unwrap(annotation)
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return list(annotation.model_fields)
    return []


def _unwrap(annotation: Any) -> Any:
    """Strip Optional[...] and Annotated[...] to reach the model or list type."""
    while True:
        origin = typing.get_origin(annotation)
        if origin is typing.Annotated:
            annotation = typing.get_args(annotation)[0]
        elif origin in (typing.Union, types.UnionType):
            non_none = [a for a in typing.get_args(annotation) if a is not type(None)]
            annotation = non_none[0] if len(non_none) == 1 else annotation
            if len(non_none) != 1:
                return annotation
        else:
            return annotation


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


_EXPONENT_INT = re.compile(r"[-+]?\d+(?:\.\d*)?[eE][-+]?\d+")
_OCTAL_0O = re.compile(r"[-+]?0o[0-7]+")


def _integer_as_text(text: str) -> int | None:
    """The integer an unquoted `2e3` or `0o3744` means (YAML 1.1 reads both as text), or None."""
    if _OCTAL_0O.fullmatch(text):
        return int(text.replace("0o", ""), 8)
    if _EXPONENT_INT.fullmatch(text) and float(text).is_integer() and abs(float(text)) < 1e18:
        return int(float(text))
    return None


def _problem_from_pydantic(
    error: ErrorDetails, file: str, positions: Positions, root: type[BaseModel] = Catalogue
) -> Problem:
    """One pydantic error as a Problem at its file:line:col; `root` is the schema model of the whole file."""
    loc: Loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
    kind = error["type"]
    field = next((p for p in reversed(loc) if isinstance(p, str)), "")
    line, column = positions.locate(loc)
    message = error["msg"]
    hint = ""
    given = error.get("input")
    if kind == "missing":
        message = f"required field `{loc[-1]}` is missing"
        hint = f"add `{loc[-1]}:` here (see tools/catalogue/papers.schema.json for its meaning)"
    elif kind == "extra_forbidden":
        allowed = _allowed_fields(loc, root)
        message = f"unknown field `{loc[-1]}`"
        hint = "remove it or fix its spelling" + (f"; allowed here: {', '.join(allowed)}" if allowed else "")
    elif kind == "literal_error" and "tags" in loc:
        message = f"unknown tag {_show(given)}"
        hint = f"use one of: {', '.join(ALLOWED_TAGS)} (to add a tag, edit tools/catalogue/tags.py)"
    elif kind in ("int_type", "int_parsing") and isinstance(given, str) and (plain := _integer_as_text(given)):
        message = f"{_show(given)} is read as text: YAML 1.1 has no integers in this notation"
        hint = f"write the integer in plain decimal digits: `{plain}`"
    elif kind in ("float_type", "int_type", "float_parsing", "int_parsing", "int_from_float"):
        message = f"{error['msg']} (got {_show(given)})"
        if isinstance(given, str) and "claims" in loc:
            hint = "write the number alone, e.g. `4.1`, and put its scale in `unit`"
        elif isinstance(given, str):
            hint = "write the number without quotes"
        else:
            hint = "write a plain number"
    elif kind in ("string_type",):
        message = f"expected text, got {_show(given)}"
        hint = "put the value in quotes (YAML reads yes/no/on/off as booleans and 1e9 as a number)"
    elif kind == "string_pattern_mismatch":
        message = f"{_show(given)} is not well-formed"
        if "arxiv" in loc:
            hint = "write an arXiv id like `1904.01169` (no `arXiv:` prefix, no `v2`; put the version in `version`)"
        else:
            hint = _PATTERN_HINTS.get(field, "see the field's description in tools/catalogue/papers.schema.json")
    elif kind == "literal_error":
        message = f"{_show(given)} is not allowed; {error['msg'][0].lower()}{error['msg'][1:]}"
        hint = "use one of the listed values"
    elif kind in ("date_type", "date_parsing", "date_from_datetime_parsing"):
        message = f"expected a date, got {_show(given)}"
        hint = "write it as YYYY-MM-DD without quotes"
    elif kind in ("string_too_long", "too_long"):
        hint = "shorten it; long prose belongs in docs/notes/<paper-id>.md"
    elif kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        message = f"{error['msg']} (got {_show(given)})"
        hint = "check the value"
    elif kind == "value_error":
        message = error["msg"].removeprefix("Value error, ")
        if "http" in message:
            hint = "use a full http(s):// address"
        else:
            hint = "see the field descriptions in tools/catalogue/papers.schema.json"
    elif kind in ("list_type", "dict_type", "model_type", "model_attributes_type"):
        expected = "a list (items start with `- `)" if kind == "list_type" else "a mapping of `field: value` lines"
        message = f"expected {expected}, got {_show(given)}"
        hint = "check the indentation of this entry"
    else:
        hint = "see tools/catalogue/papers.schema.json"
    return Problem(file, line, column, format_path(loc), message, hint)


def _cross_check(catalogue: Catalogue, file: str, positions: Positions) -> Iterable[Problem]:
    """References between entries: unique ids, existing related papers and registered models."""
    papers = catalogue.papers
    seen: dict[tuple[str, str], int] = {}
    for index, paper in enumerate(papers):
        for what, value, loc in (
            ("id", paper.id, ("papers", index, "id")),
            ("arXiv id", paper.arxiv.id if paper.arxiv else None, ("papers", index, "arxiv", "id")),
            ("DOI", paper.doi.lower() if paper.doi else None, ("papers", index, "doi")),
            ("BibTeX key", paper.bibtex.key if paper.bibtex else None, ("papers", index, "bibtex", "key")),
        ):
            if value is None:
                continue
            if (what, value) in seen:
                first = seen[(what, value)]
                first_line = positions.locate(("papers", first, *loc[2:]))[0]
                line, column = positions.locate(loc)
                yield Problem(
                    file,
                    line,
                    column,
                    format_path(loc),
                    f"duplicate paper {what} `{value}` (also papers[{first}] on line {first_line})",
                    "each paper appears once; merge the two entries",
                )
            else:
                seen[(what, value)] = index

    yield from _duplicate_titles(catalogue, file, positions)
    ids = {paper.id for paper in papers}
    model_owner: dict[str, int] = {}
    for index, paper in enumerate(papers):
        yield from _check_paper(index, paper, ids, model_owner, file, positions)


def _duplicate_titles(catalogue: Catalogue, file: str, positions: Positions) -> Iterable[Problem]:
    """Two papers whose titles read the same (after NFKC and TR39 confusable skeletons) are one paper twice."""
    first_with: dict[str, int] = {}
    for index, paper in enumerate(catalogue.papers):
        key = title_key(paper.title)
        if key in first_with:
            first = first_with[key]
            other = catalogue.papers[first]
            line, column = positions.locate(("papers", index, "title"))
            first_line = positions.locate(("papers", first, "title"))[0]
            yield Problem(
                file,
                line,
                column,
                format_path(("papers", index, "title")),
                f"this title reads the same as papers[{first}] `{other.id}` ({other.title!r}, line {first_line})",
                "each paper appears once; if the characters differ, retype the title in plain letters",
            )
        else:
            first_with[key] = index


def _check_claim_numbers(claim: Claim) -> Iterable[tuple[Loc, str, str]]:
    """(loc, message, hint) for a value that `printed` does not show, a sign that contradicts the kind, a unit that
    does not fit the quantity, an accuracy written as a fraction, or a tolerance as wide as the value."""
    yield from _check_units(claim)
    if claim.printed is not None:
        yield from _check_signs(claim)
        for field, value in (("value", claim.value), ("value_high", claim.value_high)):
            if value is None or (field == "value" and _sign_contradicts_kind(claim)):
                continue
            if not value_is_printed(value, claim.printed, claim.unit, claim.kind):
                yield ((field,), *_not_printed(field, value, claim.printed, claim.unit))
            elif (mismatch := _scale_mismatch(value, claim)) is not None:
                yield ((field,), *mismatch)
    if claim.kind != "consistency":
        yield from _check_fraction_accuracy(claim)
    yield from _check_tolerance_width(claim)


def _not_printed(field: str, value: float, printed: str, unit: str) -> tuple[str, str]:
    message = f"{value:g} is not a number that `printed` ({printed!r}) shows"
    rescaled = rescaled_match(value, printed)
    if rescaled is not None:
        shown_unit = rescaled.scale or ("" if scale_name(unit) else unit)
        return (
            f"{message} in the scale it is printed in",
            f"write the printed number and its scale, `{field}: {rescaled.value:g}, unit: {_unit_text(shown_unit)}` "
            "(the tolerance is read from the printed digits)",
        )
    if find_printed(-value, printed) is not None:
        return (f"{message}: the printed number has the other sign", f"write `{field}: {-value:g}`, sign included")
    return message, f"write the printed number in `{field}` (in `unit`), or correct `printed`"


def _scale_mismatch(value: float, claim: Claim) -> tuple[str, str] | None:
    """`printed: "25.7M"` with `unit: K`: the number is the printed one, its scale is not."""
    token = find_printed(value, claim.printed or "", claim.kind)
    if token is None or not token.scale:
        return None
    count_without_scale = claim.unit == "" and claim.quantity in ("params", "macs", "activations")
    if not (scale_name(claim.unit) or count_without_scale) or scale_name(token.scale) == scale_name(claim.unit):
        return None
    return (
        f"`printed` ({claim.printed!r}) is in {token.scale}, but `unit` is {_unit_text(claim.unit)}",
        f"write `unit: {token.scale}`",
    )


def _sign_contradicts_kind(claim: Claim) -> bool:
    return any(True for _ in _check_signs(claim))


def _check_signs(claim: Claim) -> Iterable[tuple[Loc, str, str]]:
    """A printed decrease is never an increase, nor a printed increase a reduction; nor a negative one of them."""
    value, printed = claim.value, claim.printed or ""
    if value is None or claim.kind not in ("increase", "reduction"):
        return
    other = "reduction" if claim.kind == "increase" else "increase"
    if value < 0:
        yield (
            ("value",),
            f"a negative {claim.kind} ({value:g}) is {'a' if other == 'reduction' else 'an'} {other}",
            f"write `kind: {other}` and `value: {-value:g}`",
        )
        return
    token = find_printed(-value, printed) if claim.kind == "increase" else find_printed(value, printed)
    shown = "a decrease" if claim.kind == "increase" else "an increase"
    if (
        token is not None
        and token.sign == ("-" if claim.kind == "increase" else "+")
        and not value_is_printed(value, printed, claim.unit, claim.kind)
    ):
        yield (
            ("value",),
            f"`printed` ({printed!r}) shows {shown} of {value:g}, not {'an' if claim.kind == 'increase' else 'a'} "
            f"{claim.kind}",
            f"write `kind: {other}` (with `value: {value:g}`)",
        )


def _check_fraction_accuracy(claim: Claim) -> Iterable[tuple[Loc, str, str]]:
    """An accuracy at or below 1 % is a fraction written where a percentage is meant (0.77994 for 77.994 %)."""
    if claim.quantity not in ACCURACY_QUANTITIES or claim.unit != "%" or claim.kind not in ("absolute", "distribution"):
        return
    if claim.value is not None and 0 <= claim.value <= 1:
        yield (
            ("value",),
            f"an accuracy of {claim.value:g} % is a fraction written as a percentage",
            f"write the percentage, e.g. `value: {claim.value * 100:g}` (and `printed` as the source prints it)",
        )


def _check_units(claim: Claim) -> Iterable[tuple[Loc, str, str]]:
    allowed = allowed_units(claim.kind, claim.quantity)
    if allowed is not None and claim.unit not in allowed:
        shown = ", ".join(f"`{_unit_text(u)}`" for u in allowed)
        yield (
            ("unit",),
            f"unit `{_unit_text(claim.unit)}` does not fit {claim.quantity} claims of kind `{claim.kind}`",
            f"use one of: {shown}",
        )


def _unit_text(unit: str) -> str:
    return unit or '""'


def _check_tolerance_width(claim: Claim) -> Iterable[tuple[Loc, str, str]]:
    """An absolute tolerance is capped like a relative one: at most MAX_REL_TOLERANCE × |value|."""
    tolerance = claim.tolerance
    if tolerance is None or tolerance.abs is None or claim.value is None:
        return
    cap = MAX_REL_TOLERANCE * abs(claim.value)
    if tolerance.abs > cap + 1e-12:
        yield (
            ("tolerance", "abs"),
            f"{tolerance.abs:g} is wider than {MAX_REL_TOLERANCE:g} × the claimed value {claim.value:g} (= {cap:g})",
            "a tolerance that wide verifies almost any measurement; state the interval the source's rounding allows "
            f"(at most {cap:g})",
        )


def _check_paper(
    index: int, paper: Paper, ids: set[str], model_owner: dict[str, int], file: str, positions: Positions
) -> Iterable[Problem]:
    base: Loc = ("papers", index)

    def problem(loc: Loc, message: str, hint: str) -> Problem:
        line, column = positions.locate(base + loc)
        return Problem(file, line, column, format_path(base + loc), message, hint)

    for r, related in enumerate(paper.related):
        if related == paper.id:
            yield problem(("related", r), "a paper cannot be related to itself", "remove this id")
        elif related not in ids:
            yield problem(("related", r), f"no paper has id `{related}`", "add that paper first or fix the id")
    if len(set(paper.related)) != len(paper.related):
        yield problem(("related",), "an id is listed twice", "list each related paper once")
    if len(set(paper.tags)) != len(paper.tags):
        yield problem(("tags",), "a tag is listed twice", "list each tag once")

    listed: set[str] = set()
    for m, ref in enumerate(paper.models):
        if ref.id not in REGISTRY:
            yield problem(
                ("models", m, "id"),
                f"`{ref.id}` is not a registered model",
                "add it to reference_impls (see the contributing page) or fix the id",
            )
        elif ref.id in model_owner and model_owner[ref.id] != index:
            other = model_owner[ref.id]
            yield problem(
                ("models", m, "id"),
                f"`{ref.id}` is already defined by papers[{other}]",
                "a model belongs to the paper that defines it; compare to it in claims instead",
            )
        elif ref.id in listed:
            yield problem(("models", m, "id"), f"`{ref.id}` is listed twice", "list each model once")
        listed.add(ref.id)
        model_owner.setdefault(ref.id, index)

    claim_ids: set[str] = set()
    for c, claim in enumerate(paper.claims):
        if claim.id in claim_ids:
            yield problem(("claims", c, "id"), f"duplicate claim id `{claim.id}`", "give each claim its own id")
        claim_ids.add(claim.id)
        for field_loc, message, hint in _check_claim_numbers(claim):
            yield problem(("claims", c, *field_loc), message, hint)
        about: list[tuple[str | tuple[str, int], str]] = [("model", claim.model)] if claim.model else []
        about += [(("models", k), mid) for k, mid in enumerate(claim.models)]
        for field, model_id in about:
            field_loc = field if isinstance(field, tuple) else (field,)
            if model_id not in REGISTRY:
                yield problem(
                    ("claims", c, *field_loc),
                    f"`{model_id}` is not a registered model",
                    "use an id from reference_impls.list_models()",
                )
            elif model_id not in listed:
                yield problem(
                    ("claims", c, *field_loc),
                    f"the paper does not list model `{model_id}`",
                    f"add `{model_id}` to this paper's `models`, or record the claim on the paper that defines it",
                )
        if claim.compared_to is not None and claim.compared_to not in REGISTRY:
            yield problem(
                ("claims", c, "compared_to"),
                f"`{claim.compared_to}` is not a registered model",
                "use an id from reference_impls.list_models()",
            )


def load_catalogue(path: str | Path, display_name: str | None = None) -> Catalogue:
    """Load and validate a catalogue file. Raises `CatalogueError` listing every problem with file:line:col."""
    path = Path(path)
    file = display_name or str(path)
    data, positions, problems = load_yaml_with_positions(path, file)
    if not isinstance(data, dict):
        kind = "a list" if isinstance(data, list) else type(data).__name__
        raise CatalogueError(
            [
                *problems,
                Problem(
                    file,
                    1,
                    1,
                    "",
                    f"the top level is {kind}, not a mapping",
                    "start the file with `papers:` followed by the list of papers",
                ),
            ]
        )
    try:
        catalogue = Catalogue.model_validate(data)
    except ValidationError as exc:
        problems += [_problem_from_pydantic(err, file, positions) for err in exc.errors()]
        raise CatalogueError(problems) from None
    problems += list(_cross_check(catalogue, file, positions))
    if problems:
        raise CatalogueError(problems)
    return catalogue
