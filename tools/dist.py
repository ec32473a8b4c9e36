"""Pack the built site into a reproducible tarball with a SHA-256 checksum, for any static host (`make dist`).

    python -m tools.dist build/site --out build/dist/cv-paper-notes-site.tar.gz

The same site gives the same bytes: entries are sorted, every entry is dated `SOURCE_DATE_EPOCH` (also the gzip
header's date), owners are root with no user or group names, and modes are 0644 for files, 0755 for directories.
Next to the tarball goes `<name>.sha256` in `sha256sum` format, so `sha256sum -c` checks a download.
Unpacked, the tarball holds one directory named after the tarball (`cv-paper-notes-site/index.html`, ...).
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import io
import os
import sys
import tarfile
from pathlib import Path

from tools.files import WriteError, write_atomic

FILE_MODE = 0o644
DIR_MODE = 0o755
_SUFFIX = ".tar.gz"


class DistError(ValueError):
    """A site that cannot be packed, with what to do about it."""


def source_date_epoch(value: str | None) -> int:
    """The fixed timestamp of every entry: `SOURCE_DATE_EPOCH` (seconds since 1970, UTC) as an integer."""
    if value is None or not value.strip():
        raise DistError(
            "SOURCE_DATE_EPOCH is not set: set it to the commit time, "
            "e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct) (`make dist` does this)"
        )
    try:
        epoch = int(value.strip())
    except ValueError:
        raise DistError(f"SOURCE_DATE_EPOCH must be whole seconds since 1970, got {value!r}") from None
    if epoch < 0:
        raise DistError(f"SOURCE_DATE_EPOCH must not be negative, got {epoch}")
    return epoch


def _entries(site_dir: Path) -> list[Path]:
    """Every directory and regular file under `site_dir`, sorted by relative POSIX path."""
    entries = []
    for path in site_dir.rglob("*"):
        if path.is_symlink() or not (path.is_file() or path.is_dir()):
            raise DistError(f"{path}: only regular files and directories can be packed (remove it, then rebuild)")
        entries.append(path)
    return sorted(entries, key=lambda p: p.relative_to(site_dir).as_posix())


def _tar_info(name: str, *, size: int, is_dir: bool, epoch: int) -> tarfile.TarInfo:
    info = tarfile.TarInfo(name)
    info.type = tarfile.DIRTYPE if is_dir else tarfile.REGTYPE
    info.mode = DIR_MODE if is_dir else FILE_MODE
    info.size = 0 if is_dir else size
    info.mtime = epoch
    info.uid = info.gid = 0
    info.uname = info.gname = ""
    return info


def pack_site(site_dir: Path, tarball: Path, epoch: int) -> str:
    """Write `tarball` (.tar.gz) from `site_dir` and `tarball`.sha256 beside it; returns the hex SHA-256."""
    if not tarball.name.endswith(_SUFFIX):
        raise DistError(f"{tarball}: the tarball's name must end in {_SUFFIX}")
    if not (site_dir / "index.html").is_file():
        raise DistError(f"{site_dir}: no index.html, so no built site here (run `make build-site` first)")
    root = tarball.name[: -len(_SUFFIX)]
    buffer = io.BytesIO()
    # filename="" keeps the output's own name out of the gzip header; mtime fixes the header's date.
    with (
        gzip.GzipFile(filename="", mode="wb", fileobj=buffer, compresslevel=9, mtime=epoch) as zipped,
        tarfile.open(fileobj=zipped, mode="w", format=tarfile.PAX_FORMAT) as tar,
    ):
        tar.addfile(_tar_info(root, size=0, is_dir=True, epoch=epoch))
        for path in _entries(site_dir):
            name = f"{root}/{path.relative_to(site_dir).as_posix()}"
            if path.is_dir():
                tar.addfile(_tar_info(name, size=0, is_dir=True, epoch=epoch))
            else:
                data = path.read_bytes()
                tar.addfile(_tar_info(name, size=len(data), is_dir=False, epoch=epoch), io.BytesIO(data))
    content = buffer.getvalue()
    digest = hashlib.sha256(content).hexdigest()
    try:
        tarball.parent.mkdir(parents=True, exist_ok=True)
    except OSError as error:
        raise DistError(
            f"{tarball.parent}: cannot create the output folder ({error.strerror}); choose another --out"
        ) from None
    write_atomic(tarball, content)
    write_atomic(checksum_path(tarball), f"{digest}  {tarball.name}\n")
    return digest


def checksum_path(tarball: Path) -> Path:
    """Where the checksum of `tarball` goes: `<tarball>.sha256`."""
    return tarball.with_name(tarball.name + ".sha256")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m tools.dist", description=__doc__.splitlines()[0])
    parser.add_argument("site_dir", type=Path, help="the built site (mkdocs build --site-dir ...)")
    parser.add_argument("--out", type=Path, required=True, help="the tarball to write, ending in .tar.gz")
    args = parser.parse_args(argv)
    try:
        digest = pack_site(args.site_dir, args.out, source_date_epoch(os.environ.get("SOURCE_DATE_EPOCH")))
    except (DistError, WriteError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    print(f"{args.out}  sha256 {digest}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
