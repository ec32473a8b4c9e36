"""Characters a catalogue text may not hold, and the key under which two titles count as the same.

* Every text field refuses C0 and C1 control characters (tab and newline excepted) and the bidi controls: they
  can rewrite a terminal (ESC, OSC 52) or make text read differently from what it holds (U+202E).
* Titles also refuse zero-width characters, so that two titles that look the same are the same text.
* `title_key` is the duplicate test: NFKC, then the Unicode TR39 confusable skeleton (disarm's `skeleton_key`,
  which also case-folds), then punctuation and spacing dropped. A Cyrillic `е` in place of a Latin `e`, a
  full-width letter or a mathematical `𝒳` gives the same key as the plain title.
"""

from __future__ import annotations

import re
import unicodedata

CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
BIDI_CONTROLS = re.compile(r"[\u061c\u200e\u200f\u202a-\u202e\u2066-\u2069]")
ZERO_WIDTH = re.compile(r"[\u00ad\u180e\u200b-\u200d\u2060-\u2064\ufeff]")


def _named(char: str) -> str:
    return f"U+{ord(char):04X} {unicodedata.name(char, 'control character')}"


def _refuse(value: str, pattern: re.Pattern[str], what: str, hint: str) -> None:
    found = pattern.search(value)
    if found:
        raise ValueError(f"contains {what} ({_named(found.group())}) at character {found.start() + 1}; {hint}")


_REFUSED_IN_TEXT = re.compile(f"{CONTROL_CHARACTERS.pattern}|{BIDI_CONTROLS.pattern}")


def check_text(value: str) -> str:
    """Refuse control characters and bidi controls (pydantic AfterValidator for every text field)."""
    if value.isprintable() or _REFUSED_IN_TEXT.search(value) is None:  # controls and bidi marks are unprintable
        return value
    hint = "delete it (terminal escapes and direction overrides are not allowed in the catalogue)"
    _refuse(value, CONTROL_CHARACTERS, "a control character", hint)
    _refuse(value, BIDI_CONTROLS, "a bidi control", hint)
    return value


def check_title(value: str) -> str:
    """Also refuse zero-width characters, which make two different titles look the same."""
    _refuse(value, ZERO_WIDTH, "an invisible character", "delete it")
    return value


def title_key(title: str) -> str:
    """What two titles are compared by: NFKC, TR39 skeleton, case-folded, without punctuation and spacing."""
    from disarm import skeleton_key

    skeleton = skeleton_key(unicodedata.normalize("NFKC", title))
    return " ".join(re.sub(r"[^\w\s]", " ", skeleton.casefold()).split())


__all__ = ["BIDI_CONTROLS", "CONTROL_CHARACTERS", "ZERO_WIDTH", "check_text", "check_title", "title_key"]
