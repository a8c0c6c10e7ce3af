"""Numbers as users read them: thousands separators, units, CNY as ¥1,234,567 (en) or 123.5 万元 (zh)."""
from __future__ import annotations

import math


MISSING = "–"   # not "-": st.table renders a lone "-" as a Markdown bullet


def _bad(x) -> bool:
    return x is None or (isinstance(x, float) and not math.isfinite(x))


def cny(x, lang: str = "en", signed: bool = False) -> str:
    """¥1,234,567 in English; 1,234 元 / 123.5 万元 / 1.23 亿元 in Chinese."""
    if _bad(x):
        return MISSING
    x = float(x)
    sign = "+" if signed and x > 0 else ("-" if x < 0 else "")
    a = abs(x)
    if lang == "zh":
        if a >= 1e8:
            return f"{sign}{a / 1e8:,.2f} 亿元"
        if a >= 1e4:
            return f"{sign}{a / 1e4:,.1f} 万元"
        return f"{sign}{a:,.0f} 元"
    return f"{sign}¥{a:,.0f}"


def num(x, digits: int = 0, unit: str = "", signed: bool = False) -> str:
    """1,234.5 unit (a dash for missing or infinite values)."""
    if _bad(x):
        return MISSING
    text = f"{float(x):+,.{digits}f}" if signed else f"{float(x):,.{digits}f}"
    return f"{text} {unit}".rstrip()


def tonnes(x, lang: str = "en", digits: int = 0, signed: bool = False) -> str:
    return num(x, digits, "吨CO2" if lang == "zh" else "tCO2", signed)


def years(x, lang: str = "en") -> str:
    return num(x, 1, "年" if lang == "zh" else "yr")
