"""The HTML pages of the web app (filled in by the portal work)."""

from __future__ import annotations

from fastapi import APIRouter

router = APIRouter()
