"""Writing files that must never be seen half-written (case files, exports)."""

from __future__ import annotations

import os
from pathlib import Path


def write_atomic(path: Path, data: bytes) -> Path:
    """Write `data` to `path` so that `path` is either absent, as before, or complete: the bytes go to
    `<name>.part` beside it, are flushed to disk, and only then renamed over `path`. A process killed
    halfway leaves at most the `.part` file, which the next write of the same path replaces."""
    part = path.with_name(path.name + ".part")
    with part.open("wb") as fh:
        fh.write(data)
        fh.flush()
        os.fsync(fh.fileno())
    os.replace(part, path)
    return path
