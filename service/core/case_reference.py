"""The case reference printed on letters, reply forms, work lists and case files: `2025-2026/000021`.

One format for every domain that prints or reads it, so that none imports another to print it.
"""

from __future__ import annotations


def case_reference(school_year: str, case_id: int) -> str:
    return f"{school_year}/{case_id:06d}"


def case_id_from(text: str) -> int:
    """The case id in what an operator types: `21`, or a reference as printed on the form or the
    envelope (`2025-2026/000021`, `2025-2026/000021-1A`)."""
    part = text.strip().rsplit("/", 1)[-1].split("-", 1)[0]
    if not part.isdigit():
        raise ValueError(f"'{text}' is neither a case id nor a reference like 2025-2026/000021")
    return int(part)
