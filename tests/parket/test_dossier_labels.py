"""The dossier names a family's answer in Dutch and French, as everything else that leaves the cell."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

from pypdf import PdfReader
from sqlalchemy.orm import Session

from service.parket import casefile
from service.parket import service as parket
from tests.parket.test_referrals import _referred


def test_a_reply_answer_is_shown_in_both_languages(session: Session, tmp_path: Path) -> None:
    case, _ = _referred(session, tmp_path)
    referral = parket.current_referral(session, case.id)
    assert referral is not None
    doc = json.loads(zipfile.ZipFile(io.BytesIO(parket.zip_bytes(referral))).read(casefile.DOCUMENT))
    doc["replies"] = [
        {
            "at": doc["generated_at"],
            "answer": "other",
            "school_name": None,
            "school_community": None,
            "text": "?",
            "verdict": "insufficient",
        }
    ]
    pages = PdfReader(io.BytesIO(casefile.render_dossier(doc))).pages
    text = " ".join(" ".join(p.extract_text() for p in pages).split())
    assert "andere / autre" in text
