"""Errors in a catalogue, each located at file:line:column with what is wrong and how to fix it."""

from __future__ import annotations

from dataclasses import dataclass

MAX_REPORTED = 100  # problems listed in a report; the rest are counted


@dataclass(frozen=True, order=True)
class Problem:
    """One thing wrong with the catalogue."""

    file: str
    line: int  # 1-based
    column: int  # 1-based
    path: str  # e.g. papers[3].claims[1].value ("" for the whole file)
    message: str  # what is wrong
    hint: str = ""  # how to fix it

    def format(self) -> str:
        where = f"{self.file}:{self.line}:{self.column}"
        subject = f" {self.path}:" if self.path else ""
        fix = f" — {self.hint}" if self.hint else ""
        return f"{where}:{subject} {self.message}{fix}"


class CatalogueError(Exception):
    """The catalogue is invalid. `problems` holds every problem found, sorted by position."""

    def __init__(self, problems: list[Problem]) -> None:
        self.problems = sorted(set(problems))
        super().__init__(self.report())

    def report(self) -> str:
        """The first MAX_REPORTED problems, one per line (terminal-safe), then how many there were."""
        from tools.terminal import terminal_safe

        lines = [terminal_safe(p.format()) for p in self.problems[:MAX_REPORTED]]
        count = len(self.problems)
        if count > MAX_REPORTED:
            lines.append(f"... and {count - MAX_REPORTED} more problem(s) not listed; fix the ones above first.")
        lines.append(f"{count} problem{'s' if count != 1 else ''} found; nothing was written.")
        return "\n".join(lines)


def format_path(loc: tuple[str | int, ...]) -> str:
    """('papers', 3, 'claims', 1, 'value') -> 'papers[3].claims[1].value'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out


class AddPaperError(Exception):
    """Something the user must fix before a paper can be added; the message says what and how. Nothing is written."""
