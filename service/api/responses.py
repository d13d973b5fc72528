"""File responses: one shape for every route that hands out a generated PDF, CSV or ZIP."""

from __future__ import annotations

from pathlib import PurePath

from fastapi.responses import Response

MEDIA_TYPES = {
    ".csv": "text/csv; charset=utf-8",
    ".pdf": "application/pdf",
    ".zip": "application/zip",
}


def download(
    data: bytes, filename: str, *, inline: bool = False, headers: dict[str, str] | None = None
) -> Response:
    """`data` as the file `filename` (its suffix gives the media type); `inline` lets the browser show
    it instead of saving it. The caller audits the export before it calls this."""
    disposition = "inline" if inline else "attachment"
    return Response(
        data,
        media_type=MEDIA_TYPES[PurePath(filename).suffix],
        headers={"Content-Disposition": f'{disposition}; filename="{filename}"', **(headers or {})},
    )
