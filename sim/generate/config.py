"""What to generate, and the seeded random streams every stage draws from."""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

import numpy as np

from service.core.school_age import school_year_start
from sim.generate.errors import ErrorRates


@dataclass(frozen=True)
class GeneratorConfig:
    """What to generate; the defaults are a realistic full-size Brussels year."""

    children: int = 220_000
    seed: int = 7
    school_year: str = "2025-2026"
    errors: ErrorRates = field(default_factory=ErrorRates)
    error_preset: str = "default"  # recorded in the manifest
    list_scale: float = 1.0  # shrinks the outside-Brussels share of the community lists
    xlsx: bool = True
    reference_date: date | None = None  # default: 1 October of the school year
    chunk_size: int = 50_000
    workers: int = 2  # processes for the two community lists (1: all in this process; same bytes)

    @property
    def reference(self) -> date:
        return self.reference_date or date(school_year_start(self.school_year).year, 10, 1)


@dataclass
class GeneratedYear:
    """What was written: files and data-row counts keyed by file stem (register, enrolment_nl...)."""

    out_dir: Path
    files: dict[str, Path]
    rows: dict[str, int]
    statuses: dict[str, int]  # true_status -> number of register children
    manifest: Path
    reference_date: date
    school_year: str


class Streams:
    """Independent generators per stage, so changing one stage does not reshuffle the others.

    The stage name (not the order of calls) picks the stream, which also keeps the output the same
    whether the community lists are written in parallel or one after the other.
    """

    def __init__(self, seed: int) -> None:
        self.seed = seed

    def np(self, name: str) -> np.random.Generator:
        key = int.from_bytes(hashlib.sha256(name.encode()).digest()[:4], "big")
        return np.random.default_rng(np.random.SeedSequence([self.seed, key]))

    def py(self, name: str) -> random.Random:
        return random.Random(int(self.np(f"py:{name}").integers(0, 2**63 - 1)))
