"""The folder `python -m tools.site.generate --out DIR` replaces, chosen so that it can never be the wrong one.

`--out .git` once deleted `.git`, and `--out tools` or `--out reference_impls` deleted the code. The folder is
now refused when it is

* the repository, a folder that contains it, or any folder inside it other than `build/` (and its subfolders);
* a non-empty folder that this tool did not create: the tool writes the marker file `MARKER` into every folder
  it creates, and replaces only folders that hold it;
* a file, or a symbolic link (its target is judged, through `resolve`, by the rules above).
"""

from __future__ import annotations

import shutil
from pathlib import Path

MARKER = ".written-by-tools-site-generate"


class OutputDirError(Exception):
    """The output folder is refused; nothing was deleted or written."""


def check_output_dir(out: Path, repo_root: Path) -> Path:
    """The resolved output folder, or OutputDirError saying why it is refused."""
    target = out.resolve()
    root = repo_root.resolve()
    build = root / "build"
    if target == root or target in root.parents:
        raise OutputDirError(
            f"refusing to write into {target}: it is or contains the repository — choose build/site "
            "or a folder outside the repository"
        )
    if root in target.parents and target != build and build not in target.parents:
        raise OutputDirError(
            f"refusing to write into {target}: inside the repository only build/ may be replaced — "
            "choose e.g. build/pages"
        )
    if target.exists() and not target.is_dir():
        raise OutputDirError(f"refusing to write into {target}: it is a file, not a folder")
    if target.is_dir() and any(target.iterdir()) and not (target / MARKER).is_file():
        raise OutputDirError(
            f"refusing to replace {target}: the folder is not empty and was not created by this tool "
            f"(no {MARKER} in it) — empty it yourself or choose a new folder"
        )
    return target


def prepare_output_dir(out: Path, repo_root: Path) -> Path:
    """Check `out`, empty it (it is ours) and mark it as ours. Returns the resolved folder."""
    target = check_output_dir(out, repo_root)
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    (target / MARKER).write_text(
        "Written by python -m tools.site.generate; the next run replaces this folder.\n", encoding="utf-8"
    )
    return target


__all__ = ["MARKER", "OutputDirError", "check_output_dir", "prepare_output_dir"]
