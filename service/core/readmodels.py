"""Shared pieces of the API's pydantic read models.

`Timestamp` keeps the wire format the API has always had (`datetime.isoformat()`, `+00:00`), so a
route that moves from a hand-written dict to a response model answers byte for byte the same.
"""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, ConfigDict, PlainSerializer

Timestamp = Annotated[datetime, PlainSerializer(lambda v: v.isoformat(), return_type=str, when_used="json")]


class FromRow(BaseModel):
    """A read model filled from a stored row's attributes."""

    model_config = ConfigDict(from_attributes=True, populate_by_name=True)
