"""The files of `docs/`, and the long-form notes in `docs/notes/<paper-id>.md`, read safely.

A pull request can add files to `docs/`. A symbolic link there once published whatever it pointed at:
`docs/notes/<id>.md -> /etc/passwd`, `-> ../../.git/config` (which can hold a CI token) or `-> /proc/self/environ`
ended up in the page and in the search index, and `mkdocs build --strict` passed. So:

* no file or folder of `docs/` may be a symbolic link (MkDocs would publish a linked page too);
* a note is read only if it is a regular file whose resolved path stays inside `docs/notes/`, opened without
  following links, at most `MAX_NOTE_FILE_BYTES`, valid UTF-8 without a byte-order mark (as papers.yaml), and
  within the Markdown rendering bound;
* its text follows the catalogue's text rules (tools/catalogue/text_rules.py): no control characters (tab, and
  CR before LF, excepted), no bidi controls (U+202E would make it read differently from what it holds) and no
  zero-width characters (they would also split words of the search index), each refused at `LINE:COL`;
* every file of `docs/notes/` is named exactly `<paper-id>.md` for a paper of the catalogue, case included: any
  other file would be ignored silently (and `ResNet.md` read for `resnet` on a case-insensitive file system).

`docs_folder_problems` lists every problem (the build, the hook and `verify_claims.py --validate-only` report
them, each as `path[:line]: what — how to fix`); `read_note_file` reads one note or raises `NotesFileError`.
"""

from __future__ import annotations

import difflib
import os
import stat
import unicodedata
from collections.abc import Collection
from pathlib import Path

from tools.catalogue.markdown_limits import markdown_cost_problem
from tools.catalogue.text_rules import BIDI_CONTROLS, CONTROL_CHARACTERS, ZERO_WIDTH

MAX_NOTE_FILE_BYTES = 256 * 1024


class NotesFileError(ValueError):
    """A file of docs/ or docs/notes/ that the site refuses to read; the message says which and why."""


def _shown(path: Path, docs_dir: Path) -> str:
    return f"{docs_dir.name}/{path.relative_to(docs_dir).as_posix()}"


def _symlink_problems(docs_dir: Path) -> list[str]:
    problems: list[str] = []
    if docs_dir.is_symlink():
        return [f"{docs_dir.name}/: the folder is a symbolic link — make it a real folder"]
    for folder, names, files in os.walk(docs_dir, followlinks=False):
        for name in sorted(names + files):
            path = Path(folder) / name
            if path.is_symlink():
                problems.append(
                    f"{_shown(path, docs_dir)}: is a symbolic link (to {os.readlink(path)}); the site "
                    "publishes only real files inside docs/ — replace the link with the file itself"
                )
    return problems


_TEXT_RULES = (
    (CONTROL_CHARACTERS, "a control character", "terminal escapes are not allowed"),
    (BIDI_CONTROLS, "a bidi control", "direction overrides make the text read differently from what it holds"),
    (ZERO_WIDTH, "an invisible character", "it hides inside words and splits them in the search index"),
)


def text_rule_problem(text: str, shown: str) -> str | None:
    """The first character of `text` the catalogue's text rules refuse, as `shown:LINE:COL: what — how to fix`."""
    for number, line in enumerate(text.split("\n"), start=1):
        line = line.removesuffix("\r")  # CRLF line ends are fine
        for pattern, what, why in _TEXT_RULES:
            found = pattern.search(line)
            if found:
                char = found.group()
                name = unicodedata.name(char, "control character")
                return (
                    f"{shown}:{number}:{found.start() + 1}: contains {what} (U+{ord(char):04X} {name}) — delete it "
                    f"({why})"
                )
    return None


def _read_checked(path: Path, docs_dir: Path) -> str:
    """The text of one note file; raises NotesFileError saying what is wrong."""
    shown = _shown(path, docs_dir)
    notes_dir = (docs_dir / "notes").resolve()
    try:
        info = os.lstat(path)
    except OSError as exc:
        raise NotesFileError(f"{shown}: cannot be read ({exc.strerror})") from None
    if stat.S_ISLNK(info.st_mode):
        raise NotesFileError(f"{shown}: is a symbolic link; a note must be a real file — replace the link with it")
    if not stat.S_ISREG(info.st_mode):
        raise NotesFileError(f"{shown}: is not a regular file — a note is a Markdown file")
    if notes_dir not in path.resolve().parents:
        raise NotesFileError(f"{shown}: resolves outside docs/notes/ — move the file into docs/notes/")
    if info.st_size > MAX_NOTE_FILE_BYTES:
        raise NotesFileError(
            f"{shown}: is {info.st_size / 1024:.0f} KiB; the limit is {MAX_NOTE_FILE_BYTES // 1024} "
            "KiB — shorten it or split it into sections of the catalogue entry"
        )
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0))
        with os.fdopen(fd, "rb") as handle:
            raw = handle.read(MAX_NOTE_FILE_BYTES + 1)
    except OSError as exc:
        raise NotesFileError(f"{shown}: cannot be read ({exc.strerror})") from None
    if len(raw) > MAX_NOTE_FILE_BYTES:
        raise NotesFileError(f"{shown}: is larger than {MAX_NOTE_FILE_BYTES // 1024} KiB — shorten it")
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw[: exc.start].count(b"\n") + 1
        raise NotesFileError(
            f"{shown}:{line}: byte 0x{raw[exc.start]:02x} is not valid UTF-8 — save it as UTF-8"
        ) from None
    if text.startswith("\ufeff"):
        raise NotesFileError(
            f"{shown}:1:1: the file starts with a byte-order mark (BOM) — save it as UTF-8 without BOM"
        )
    problem = text_rule_problem(text, shown)
    if problem:
        raise NotesFileError(problem)
    problem = markdown_cost_problem(text)
    if problem:
        raise NotesFileError(f"{shown}: {problem}")
    return text


def read_note_file(repo_root: Path, paper_id: str) -> str | None:
    """The long-form note of `paper_id` (None if there is none). Raises NotesFileError for a refused file."""
    docs_dir = repo_root / "docs"
    path = docs_dir / "notes" / f"{paper_id}.md"
    if not path.exists() and not path.is_symlink():
        return None
    if (docs_dir / "notes").is_symlink() or docs_dir.is_symlink():
        raise NotesFileError("docs/notes/: the folder (or docs/) is a symbolic link — make it a real folder")
    return _read_checked(path, docs_dir)


def _name_problem(path: Path, docs_dir: Path, paper_ids: Collection[str]) -> str | None:
    """Why the file `path` of docs/notes/ is not the note of a paper (its name is not exactly `<id>.md`), or None."""
    if path.suffix == ".md" and path.stem in paper_ids:
        return None
    stem = path.name.removesuffix(".md") if path.name.lower().endswith(".md") else path.name
    folded = {paper_id.lower(): paper_id for paper_id in paper_ids}
    matches = [stem.lower()] if stem.lower() in folded else difflib.get_close_matches(stem.lower(), folded, n=1)
    hint = (
        f"the closest id is `{folded[matches[0]]}`: rename it to {docs_dir.name}/notes/{folded[matches[0]]}.md"
        if matches
        else "rename it to <paper-id>.md for a paper of the catalogue"
    )
    return (
        f"{_shown(path, docs_dir)}: names no paper of the catalogue (a note is `<paper-id>.md`, the id exactly, "
        f"case included) and would be ignored — {hint}, or delete it"
    )


def docs_folder_problems(docs_dir: Path, paper_ids: Collection[str] | None = None) -> list[str]:
    """Every problem with the files of `docs_dir`: symbolic links anywhere, each refused note file and, given the
    catalogue's `paper_ids`, each file of docs/notes/ that is not the note of one of them."""
    if not docs_dir.is_dir():
        return []
    problems = _symlink_problems(docs_dir)
    notes_dir = docs_dir / "notes"
    if notes_dir.is_dir() and not notes_dir.is_symlink():
        for path in sorted(notes_dir.iterdir()):
            if path.is_symlink():
                continue  # reported above
            if paper_ids is not None and (misnamed := _name_problem(path, docs_dir, paper_ids)) is not None:
                problems.append(misnamed)
                continue
            try:
                _read_checked(path, docs_dir)
            except NotesFileError as exc:
                problems.append(str(exc))
    return problems


__all__ = ["MAX_NOTE_FILE_BYTES", "NotesFileError", "docs_folder_problems", "read_note_file", "text_rule_problem"]
