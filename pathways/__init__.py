"""pathways: decarbonisation pathway optimizer for Chinese SMEs and industrial parks."""
from __future__ import annotations

__version__ = "0.1.0"
