"""Result files: CSV per table, one Excel workbook (when openpyxl is installed), the JSON of
``pathways plan --json``, and the resolved model / scenario YAML that repeat the run headlessly."""
from __future__ import annotations

import importlib.util
import io
import json

import pandas as pd
import streamlit as st

from pathways.ui.inputs import model_yaml, scenario_yaml
from pathways.ui.texts import t


def has_excel() -> bool:
    return importlib.util.find_spec("openpyxl") is not None


def csv_bytes(df: pd.DataFrame) -> bytes:
    return df.to_csv(index=False).encode("utf-8-sig")   # BOM: Excel opens Chinese text correctly


def excel_bytes(tables: dict[str, pd.DataFrame]) -> bytes:
    buf = io.BytesIO()
    with pd.ExcelWriter(buf, engine="openpyxl") as xl:
        for sheet, df in tables.items():
            df.to_excel(xl, sheet_name=sheet[:31], index=False)
    return buf.getvalue()


def json_bytes(data) -> bytes:
    return json.dumps(data, ensure_ascii=False, indent=2, allow_nan=False, default=str).encode("utf-8")


def plan_downloads(result, resolved, settings: dict, key: str) -> None:
    """Download buttons for one plan and the command that repeats it."""
    st.subheader(t("downloads"))
    tables = {"actions": result.actions, "emissions": result.emissions_by_year, "cash_flows": result.cash_flows}
    cols = st.columns(4)
    cols[0].download_button(t("dl_actions"), csv_bytes(result.actions), "plan_actions.csv", "text/csv",
                            key=f"{key}_dl_a")
    cols[1].download_button(t("dl_emissions"), csv_bytes(result.emissions_by_year), "plan_emissions.csv",
                            "text/csv", key=f"{key}_dl_e")
    cols[2].download_button(t("dl_cash"), csv_bytes(result.cash_flows), "plan_cash_flows.csv", "text/csv",
                            key=f"{key}_dl_c")
    cols[3].download_button(t("dl_json"), json_bytes(result.to_dict()), "plan.json", "application/json",
                            key=f"{key}_dl_j")
    cols = st.columns(4)
    if has_excel():
        cols[0].download_button(t("dl_excel"), excel_bytes(tables), "plan.xlsx",
                                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key=f"{key}_dl_x")
    else:
        cols[0].caption(t("dl_no_excel"))
    cols[1].download_button(t("dl_model"), model_yaml(resolved).encode("utf-8"), "resolved_model.yaml",
                            "application/x-yaml", key=f"{key}_dl_m")
    if resolved.applied_overrides:
        cols[2].download_button(t("dl_scenario"), scenario_yaml(resolved, "web_app_overrides").encode("utf-8"),
                                "web_app_overrides.yaml", "application/x-yaml", key=f"{key}_dl_s")
    st.caption(t("repeat"))
    st.code(repeat_command(settings), language="bash")


def repeat_command(settings: dict) -> str:
    cmd = f"pathways plan resolved_model.yaml --objective {settings['objective']} " \
          f"--alternatives {settings['alternatives']} --json plan.json"
    return cmd
