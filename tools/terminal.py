"""Text for terminals: every line the command-line tools print goes through `terminal_safe`.

Catalogue text, BibTeX fields and a model's exception message come from strangers. Printed raw, an ESC or OSC
sequence can clear the screen, fake an "all verified" line or write to the clipboard (OSC 52), and a bidi
override can make a line read differently from what it holds. `terminal_safe` writes each such character as a
visible `\\uXXXX` escape (which is also a valid JSON escape, so JSON output stays valid JSON); everything else,
Chinese text included, is printed as it is.
"""

from __future__ import annotations

import re
import sys
from typing import TextIO

# C0 controls except tab and newline, DEL, C1 controls (U+0080-U+009F: CSI, OSC, NEL ...), the bidi embedding,
# override and isolate controls and marks, and the Unicode line and paragraph separators.
UNSAFE_FOR_TERMINAL = re.compile(
    r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u061c\u200e\u200f\u2028\u2029\u202a-\u202e\u2066-\u2069]"
)


def _escape(match: re.Match[str]) -> str:
    return f"\\u{ord(match.group()):04x}"


def terminal_safe(text: object) -> str:
    """`text` with every control, bidi and line-separator character written as a visible `\\uXXXX`."""
    return UNSAFE_FOR_TERMINAL.sub(_escape, str(text))


def say(*parts: object, file: TextIO | None = None, sep: str = " ", end: str = "\n") -> None:
    """`print`, with every part passed through `terminal_safe` first."""
    print(sep.join(terminal_safe(p) for p in parts), file=file if file is not None else sys.stdout, end=end)


__all__ = ["UNSAFE_FOR_TERMINAL", "say", "terminal_safe"]
