"""Synthetic typical-year weather for tests: clear-sky irradiance integrated minute by minute, written as EPW/CSV.

Independent of pathways: hourly means are averages of 1-minute pvlib Ineichen clear-sky values over each hour
(optionally stamped ``late_h`` hours late, as the CSWD files are), so the repaired result can be compared with the
truth.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pvlib

YEAR = 2019


def clear_sky_hourly(lat: float, lon: float, elev: float = 50.0, late_h: float = 0.0,
                     linke: float = 3.0) -> pd.DataFrame:
    """Hourly means (8760 rows, row i = hour i of the year, UTC+8) of clear-sky ghi/dni/dhi.

    Row i holds the mean over [i - late_h, i + 1 - late_h) hours, i.e. the data are stamped ``late_h`` late.
    """
    start = pd.Timestamp(f"{YEAR}-01-01", tz="Etc/GMT-8") - pd.Timedelta(hours=2)
    t = pd.date_range(start, periods=(8760 + 4) * 60, freq="min") + pd.Timedelta(seconds=30)
    loc = pvlib.location.Location(lat, lon, "Etc/GMT-8", elev)
    sp = loc.get_solarposition(t, method="ephemeris")
    cs = loc.get_clearsky(t, model="ineichen", solar_position=sp, linke_turbidity=linke)
    out = {}
    for col in ("ghi", "dni", "dhi"):
        v = cs[col].to_numpy()
        cum = np.concatenate([[0.0], np.cumsum(v)]) / 60.0  # integral in W h/m2 from the grid start
        edges = np.arange(8761) - late_h  # hour edges, shifted
        pos = (edges + 2.0) * 60.0
        integ = np.interp(pos, np.arange(len(cum)), cum)
        out[col] = np.diff(integ)
    return pd.DataFrame(out)


def write_epw(path: Path, df: pd.DataFrame, lat: float, lon: float, elev: float = 50.0, source: str = "TEST",
              temp: float | np.ndarray = 20.0, wind: float | np.ndarray = 2.0) -> Path:
    """Write an EPW with the hourly ``df`` (ghi, dni, dhi) and constant or given temperature and wind."""
    idx = pd.date_range(f"{YEAR}-01-01", periods=8760, freq="h")
    temp = np.broadcast_to(np.asarray(temp, float), (8760,))
    wind = np.broadcast_to(np.asarray(wind, float), (8760,))
    head = [f"LOCATION,Synthetic,Test,CHN,{source},999990,{lat:.2f},{lon:.2f},8.0,{elev:.1f}",
            "DESIGN CONDITIONS,0", "TYPICAL/EXTREME PERIODS,0", "GROUND TEMPERATURES,0",
            "HOLIDAYS/DAYLIGHT SAVINGS,No,0,0,0", "COMMENTS 1,synthetic", "COMMENTS 2,",
            "DATA PERIODS,1,1,Data,Tuesday, 1/ 1,12/31"]
    rows = []
    for i, ts in enumerate(idx):
        f = [YEAR, ts.month, ts.day, ts.hour + 1, 0, "?9?9?9?9E0?9?9?9*9*9?9*9*9?9*9*9?9?9*9*_*9*9*9*9*9",
             f"{temp[i]:.1f}", "5.0", "60", "100000", "9999", "9999", "300", f"{df['ghi'].iloc[i]:.1f}",
             f"{df['dni'].iloc[i]:.1f}", f"{df['dhi'].iloc[i]:.1f}", "999999", "999999", "999999", "99999", "0",
             f"{wind[i]:.1f}", "5", "5", "777.7", "77777", "9", "999999999", "0", "0.0", "0", "88", "999.000",
             "999.0", "99.0"]
        rows.append(",".join(str(x) for x in f))
    path.write_text("\n".join(head + rows) + "\n", encoding="latin-1")
    return path
