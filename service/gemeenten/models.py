"""The 19 Brussels gemeenten (reference data seeded by a migration)."""

from __future__ import annotations

from sqlalchemy import Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from service.core.db import Base


class Gemeente(Base):
    __tablename__ = "gemeenten"

    nis_code: Mapped[str] = mapped_column(String(5), primary_key=True)
    name_nl: Mapped[str] = mapped_column(String(80))
    name_fr: Mapped[str] = mapped_column(String(80))
    postcodes: Mapped[str] = mapped_column(String(80))  # space separated
    approx_population: Mapped[int] = mapped_column(Integer)

    @property
    def name(self) -> str:
        """Both names, as every letter, screen and export shows them."""
        return self.name_nl if self.name_nl == self.name_fr else f"{self.name_nl} / {self.name_fr}"
