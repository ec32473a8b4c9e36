"""`mkdocs serve` while the catalogue is broken mid-edit: serve the last good site with the errors on every page.

MkDocs' live server answers a request only once a build has succeeded since the last change, so a build that
fails (an invalid papers.yaml, a refused docs/notes file) left every request hanging and the browser never saw
the error. While serving, the hook therefore does not fail the build: it builds from the last inputs that were
valid (or from an empty catalogue, if none was valid yet) and puts the `file:line` messages at the top of every
page. `mkdocs build` still fails as before.

This module is imported once per process (MkDocs reloads the hook file with each rebuild, not this module), so
the last good inputs survive from one rebuild to the next.
"""

from __future__ import annotations

import html
from typing import Any

_state: dict[str, Any] = {"serving": False, "last_good": None, "error": None}


def started(command: str) -> None:
    """Called from the hook's on_startup with the MkDocs command (`serve`, `build`, `gh-deploy`)."""
    _state["serving"] = command == "serve"


def serving() -> bool:
    return bool(_state["serving"])


def succeeded(inputs: Any) -> Any:
    """Remember `inputs` as the last good ones; the site has no error to show."""
    _state["last_good"], _state["error"] = inputs, None
    return inputs


def failed(message: str, empty_inputs: Any) -> Any:
    """While serving: the inputs to build from instead (the last good ones, else `empty_inputs()`)."""
    _state["error"] = message
    return _state["last_good"] if _state["last_good"] is not None else empty_inputs()


def error_banner() -> str:
    """An admonition (raw HTML on one line) with the current build error, or "" when the last build was good."""
    message = _state["error"]
    if not message:
        return ""
    shown = "&#10;".join(html.escape(line, quote=False) for line in message.splitlines())
    return (
        '<div class="admonition failure"><p class="admonition-title">The last edit broke the build; this is the '
        f"last good version of the site. Fix these and save:</p><pre>{shown}</pre></div>\n\n"
    )


__all__ = ["error_banner", "failed", "serving", "started", "succeeded"]
