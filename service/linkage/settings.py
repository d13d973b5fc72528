"""What a run may be told: thresholds on the match probability and how EM is run; stored with every run."""

from __future__ import annotations

from dataclasses import dataclass, fields
from typing import Any

from service.core.errors import TandemError


@dataclass(frozen=True)
class LinkSettings:
    link_probability: float = 0.99
    review_probability: float = 0.60
    ambiguity_margin_bits: float = 6.0  # a runner-up closer than this to the best makes a record ambiguous
    em_iterations: int = 200  # an upper bound: EM stops when no parameter moves by 1e-6
    em_min_pairs: int = 50  # a session with fewer pairs is skipped (the starting values are used)
    em_max_pairs: int = 1_000_000  # EM sees at most this many pairs per session (a random sample)
    u_sample_pairs: int = 300_000
    seed: int = 20251001

    def checked(self) -> LinkSettings:
        """Refuse thresholds that cannot work (review above link, outside (0, 1))."""
        if not 0 < self.review_probability <= self.link_probability < 1:
            raise TandemError(
                "thresholds must satisfy 0 < review probability <= link probability < 1, got "
                f"{self.review_probability} and {self.link_probability}"
            )
        if self.em_max_pairs < 1000:
            raise TandemError("em_max_pairs must be at least 1000")
        return self

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> LinkSettings:
        """Settings stored with a run (older runs may lack newer fields, which keep their default)."""
        known = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in known})
