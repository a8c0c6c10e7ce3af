"""Where the shipped reference data lives (override with the PATHWAYS_DATA environment variable)."""
from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
DATA_DIR = Path(os.environ.get("PATHWAYS_DATA", REPO_ROOT / "data"))
WEATHER_DIR = DATA_DIR / "weather"
CACHE_DIR = Path(os.environ.get("PATHWAYS_CACHE", Path.home() / ".cache" / "pathways"))
