"""Query parameters several services take, declared once so that they validate and document alike."""

from __future__ import annotations

from typing import Annotated

from fastapi import Query

Latitude = Annotated[float, Query(ge=-90, le=90, description="Latitude in degrees", examples=[35.0116])]
Longitude = Annotated[float, Query(ge=-180, le=180, description="Longitude in degrees", examples=[135.7681])]
