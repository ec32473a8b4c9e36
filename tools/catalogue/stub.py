"""The stub catalogue entry built from one BibTeX entry: id, venue, arXiv id, DOI, links and the BibTeX record.

Limits and vocabularies (entry types, id and key patterns, lengths) come from schema.py; the stub is validated
against the schema again, with the whole catalogue, before anything is written.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from typing import Any

from .bibtex_import import BibEntry
from .errors import AddPaperError
from .schema import (
    BIBTEX_FIELD_NAMES,
    BIBTEX_KEY_FORBIDDEN,
    BIBTEX_TYPES,
    DOI_PATTERN,
    HTTP_URL_RE,
    MAX_ARXIV_VERSION,
    MAX_AUTHORS,
    MAX_BIBTEX_KEY,
    MAX_DOI,
    MAX_SHORT,
    MAX_SLUG,
    SLUG_PATTERN,
)
from .text_rules import ZERO_WIDTH

# BibTeX entry types outside the schema's BIBTEX_TYPES, mapped onto them.
TYPE_ALIASES = {
    "conference": "inproceedings",
    "online": "misc",
    "unpublished": "misc",
    "electronic": "misc",
    "preprint": "misc",
    "report": "techreport",
    "thesis": "phdthesis",
    "mastersthesis": "misc",
    "inbook": "incollection",
    "proceedings": "book",
}
# Fields kept in `bibtex.fields`, in the order they are written (title, author, year, doi and eprint live in the
# paper's own fields); all of them are in the schema's BIBTEX_FIELD_NAMES.
KEPT_FIELDS = (
    "journal",
    "booktitle",
    "volume",
    "number",
    "pages",
    "publisher",
    "organization",
    "editor",
    "series",
    "address",
    "edition",
    "chapter",
    "school",
    "institution",
    "howpublished",
    "month",
    "note",
    "primaryclass",
)
TITLE_STOPWORDS = {
    "a",
    "an",
    "the",
    "on",
    "of",
    "in",
    "for",
    "to",
    "towards",
    "toward",
    "and",
    "with",
    "via",
    "at",
    "by",
    "from",
    "is",
    "are",
    "do",
    "does",
    "can",
}
# Venue names written out in BibTeX -> the short form the catalogue uses ("CVPR 2019").
VENUE_ABBREVIATIONS = (
    ("transactions on pattern analysis and machine intelligence", "IEEE TPAMI"),
    ("international journal of computer vision", "IJCV"),
    ("computer vision and pattern recognition", "CVPR"),
    ("international conference on computer vision", "ICCV"),
    ("european conference on computer vision", "ECCV"),
    ("neural information processing systems", "NeurIPS"),
    ("international conference on machine learning", "ICML"),
    ("international conference on learning representations", "ICLR"),
    ("aaai conference on artificial intelligence", "AAAI"),
    ("british machine vision conference", "BMVC"),
    ("winter conference on applications of computer vision", "WACV"),
)
# An arXiv id as schema.ARXIV_ID_PATTERN has it (new style 1905.02244, old style cs/0112017), then an optional vN.
ARXIV_ID = r"\d{4}\.\d{4,5}(?!\d)|[a-z][a-z\-]+(?:\.[A-Z]{2})?/\d{7}(?!\d)"
ARXIV_IN_TEXT = re.compile(rf"(?:arxiv:\s*|arxiv\s+|abs/|/pdf/)({ARXIV_ID})(?:v(\d+))?", re.IGNORECASE)
ARXIV_BARE = re.compile(rf"^(?:arxiv:\s*)?({ARXIV_ID})(?:v(\d+))?$", re.IGNORECASE)

LEFT_TO_FILL = (
    ("tldr", "a one-paragraph summary in your own words (Markdown)"),
    ("notes.zh / notes.en", "the reading notes; either language may come first"),
    ("tags", "from the allowed list in tools/catalogue/tags.py"),
    ("strengths / weaknesses", "one point per list item"),
    ("models", "registered reference_impls ids the paper defines (add the model first if it is missing)"),
    ("claims", "the paper's quantitative claims, each with its source table and version"),
    ("links.official_code", "the authors' repository, if any"),
)
assert set(KEPT_FIELDS) <= set(BIBTEX_FIELD_NAMES), "a kept BibTeX field the schema does not accept"


def _ascii_slug(text: str) -> str:
    ascii_text = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii").lower()
    return re.sub(r"[^a-z0-9]+", "-", ascii_text).strip("-")


def derive_id(entry: BibEntry) -> str:
    """first-author surname, year, first significant title word: `howard-2019-searching`."""
    surname = _ascii_slug(entry.surnames[0]) if entry.surnames else ""
    words = [_ascii_slug(w) for w in entry.title.split()]
    significant = [w for w in words if w and w not in TITLE_STOPWORDS] or [w for w in words if w]
    parts = [surname or "paper", str(entry.year), *significant[:1]]
    slug = "-".join(p for p in parts if p)
    return slug[:MAX_SLUG].rstrip("-")


def find_arxiv(entry: BibEntry) -> tuple[str, int | None] | None:
    """The arXiv id (and version) from eprint, journal ("arXiv preprint arXiv:1905.02244"), volume, URL or DOI."""
    f = entry.fields
    prefix = (f.get("archiveprefix") or f.get("eprinttype") or "").strip().lower()
    eprint = (f.get("eprint") or "").strip()
    if eprint and prefix in ("", "arxiv"):
        match = ARXIV_BARE.match(eprint)
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    doi = (f.get("doi") or "").lower()
    if doi.startswith("10.48550/arxiv."):
        match = ARXIV_BARE.match(doi.removeprefix("10.48550/arxiv."))
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    for key in ("journal", "volume", "url", "note", "howpublished", "booktitle"):
        value = f.get(key) or ""
        if key == "url" and "arxiv.org" not in value.lower():
            continue
        match = ARXIV_IN_TEXT.search(value)
        if match:
            return match.group(1), int(match.group(2)) if match.group(2) else None
    return None


def find_doi(entry: BibEntry) -> str | None:
    raw = (entry.fields.get("doi") or "").strip()
    if not raw:
        url = entry.fields.get("url") or ""
        match = re.match(r"^https?://(?:dx\.)?doi\.org/(.+)$", url.strip(), re.IGNORECASE)
        raw = match.group(1) if match else ""
    if not raw:
        return None
    doi = re.sub(r"^(?:https?://(?:dx\.)?doi\.org/|doi:\s*)", "", raw, flags=re.IGNORECASE).strip()
    if doi.lower().startswith("10.48550/arxiv."):  # arXiv's own DOI: the arXiv id already says it
        return None
    if not re.match(DOI_PATTERN, doi) or len(doi) > MAX_DOI:
        raise AddPaperError(
            f"{entry.where}: `doi = {raw[:60]}` is not a DOI — write the bare DOI, e.g. "
            "`doi = {10.1109/CVPR.2016.90}`, or remove the field"
        )
    return doi


def find_venue(entry: BibEntry, arxiv: tuple[str, int | None] | None) -> str:
    f = entry.fields
    text = f.get("booktitle") or f.get("journal") or ""
    low = text.lower()
    if not text or "arxiv" in low or low in ("corr", "computing research repository"):
        if arxiv or "arxiv" in low or low == "corr":
            entry.notes.append(
                f"venue: `arXiv preprint` — if the paper was published, write the venue instead, "
                f"e.g. `CVPR {entry.year}`"
            )
            return "arXiv preprint"
        if entry.entry_type == "phdthesis" and f.get("school"):
            return f"PhD thesis, {f['school']}"[:MAX_SHORT]
        if entry.entry_type == "techreport" and f.get("institution"):
            return f"Technical report, {f['institution']}"[:MAX_SHORT]
        publisher = f.get("publisher") or f.get("howpublished") or ""
        if publisher:
            return publisher[:MAX_SHORT]
        entry.notes.append("venue: the BibTeX entry names none; `unpublished` was written — correct it")
        return "unpublished"
    for long_name, short in VENUE_ABBREVIATIONS:
        if long_name in low:
            workshop = " Workshops" if "workshop" in low else ""
            return f"{short}{workshop} {entry.year}"
    acronym = re.search(r"\(([A-Z][A-Za-z]{1,9})(?:\s*'?\d{2,4})?\)", text) or re.fullmatch(
        r"([A-Z][A-Za-z]{1,9})", text.strip()
    )
    if acronym:  # "Proc. ... (BMVC)" or a bare "CVPR"
        return f"{acronym.group(1)} {entry.year}"
    if len(text) > 60:
        entry.notes.append(f"venue: `{text}` was copied as written — shorten it, e.g. `CVPR {entry.year}`")
    return text[:MAX_SHORT]


def build_paper(entry: BibEntry, *, paper_id: str | None, status: str, added: dt.date) -> dict[str, Any]:
    """The stub entry, as plain data in the order papers.yaml writes fields."""
    arxiv = find_arxiv(entry)
    doi = find_doi(entry)
    if paper_id is None:
        paper_id = derive_id(entry)
    elif not re.match(SLUG_PATTERN, paper_id) or len(paper_id) > MAX_SLUG:
        raise AddPaperError(
            f"--id {paper_id!r} is not a valid id — use lowercase letters, digits and single "
            "hyphens, "
            f"at most {MAX_SLUG} characters, e.g. `mobilenetv3`"
        )
    title = ZERO_WIDTH.sub("", entry.title)
    if title != entry.title:
        entry.notes.append("title: invisible zero-width characters were removed — check it")
    paper: dict[str, Any] = {
        "id": paper_id,
        "title": title[:MAX_SHORT],
        "authors": [a[:MAX_SHORT] for a in entry.authors],
        "year": entry.year,
        "venue": find_venue(entry, arxiv),
    }
    if len(entry.title) > MAX_SHORT:
        entry.notes.append(f"title: cut to {MAX_SHORT} characters — check it")
    if len(entry.authors) > MAX_AUTHORS:
        paper["authors"] = paper["authors"][:MAX_AUTHORS]
        entry.notes.append(f"authors: only the first {MAX_AUTHORS} are kept (the catalogue's limit)")
    if entry.truncated_authors:
        entry.notes.append("authors: the BibTeX entry ends with `and others` — add the missing authors")
    if arxiv:
        paper["arxiv"] = {
            "id": arxiv[0],
            **({"version": arxiv[1]} if arxiv[1] and 1 <= arxiv[1] <= MAX_ARXIV_VERSION else {}),
        }
        if "version" not in paper["arxiv"]:
            entry.notes.append("arxiv.version: say which arXiv version (vN) your notes refer to")
    if doi:
        paper["doi"] = doi
    links: dict[str, str] = {}
    if arxiv:
        links["pdf"] = f"https://arxiv.org/pdf/{arxiv[0]}"
    url = (entry.fields.get("url") or "").strip()
    if url and "arxiv.org" not in url and "doi.org" not in url:
        if HTTP_URL_RE.match(url):
            links["pdf" if url.lower().endswith(".pdf") and "pdf" not in links else "project"] = url
        else:
            entry.notes.append("links: the BibTeX `url` is not an http(s) address and was left out — add it by hand")
    paper["links"] = links
    paper["tags"] = []
    paper["status"] = status
    paper["added"] = added
    paper["notes"] = {}
    paper["strengths"] = []
    paper["weaknesses"] = []
    bib_type = TYPE_ALIASES.get(entry.entry_type, entry.entry_type)
    if bib_type not in BIBTEX_TYPES:
        entry.notes.append(f"bibtex.type: @{entry.entry_type} is stored as @misc")
        bib_type = "misc"
    key = re.sub(BIBTEX_KEY_FORBIDDEN, "_", entry.key)[:MAX_BIBTEX_KEY] or paper_id
    if key != entry.key:
        entry.notes.append(f"bibtex.key: `{entry.key}` was stored as `{key}` (allowed: letters, digits, _ : -)")
    kept: dict[str, str] = {}
    for name in KEPT_FIELDS:
        value = entry.fields.get(name)
        if (
            arxiv
            and value
            and (
                (name == "journal" and ("arxiv" in value.lower() or value.lower() == "corr"))
                or (name == "volume" and value.lower().startswith("abs/"))
            )
        ):
            continue  # "arXiv preprint arXiv:…", DBLP's "CoRR" + "abs/…": already the venue and the arXiv id
        if value and len(value) <= MAX_SHORT and "\x00" not in value:
            kept[name] = value
        elif value:
            entry.notes.append(f"bibtex.fields.{name}: longer than {MAX_SHORT} characters, left out")
    paper["bibtex"] = {"type": bib_type, "key": key, "fields": kept}
    paper["models"] = []
    paper["claims"] = []
    return paper
