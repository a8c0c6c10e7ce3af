"""Policy page. Today: pick a model and the subsidy lever to sweep and see what would run. The batch engine
(issue 5) fills in the rest.

Plan for the filled-in page: start ``python -m pathways.cli policy SWEEP.yaml --out DIR`` with ``subprocess.Popen``
(a separate process, so a long sweep never blocks the page), poll progress with ``@st.fragment(run_every=1)`` from
the run files written under DIR (done / total from the batch manifest), then read ``pathways.collect(DIR)`` and the
policy tables (uptake per measure and family, abatement, public CNY per tCO2, free-rider share) and draw the curves.
"""
from __future__ import annotations

import importlib.util

import streamlit as st

from .inputs import examples
from .texts import t

LEVERS = ("assumptions.subsidies.solar_capex_share", "assumptions.subsidies.equipment_capex_share",
          "assumptions.subsidies.energy_service_capex_share", "assumptions.subsidies.digital_capex_share",
          "assumptions.carbon.shadow_price_cny_per_t")


def engine_ready() -> bool:
    """True once the policy analysis of the batch engine is installed (``pathways/policy.py``)."""
    try:
        return importlib.util.find_spec("pathways.policy") is not None
    except (ImportError, ValueError):
        return False


def parse_values(text: str) -> list[float] | None:
    try:
        values = [float(v) for v in text.replace("，", ",").split(",") if v.strip()]
    except ValueError:
        return None
    return values or None


def page() -> None:
    st.title(t("policy_title"))
    ready = engine_ready()
    st.info(t("policy_pending"))
    ex = examples("site")
    model = st.selectbox(t("cmp_model"), list(ex), key="pol_model") if ex else None
    key = st.selectbox(t("policy_key"), LEVERS, key="pol_key")
    values = parse_values(st.text_input(t("policy_values"), value="0, 0.1, 0.2, 0.3", key="pol_values"))
    if values is None:
        st.error(t("policy_bad_values"))
        return
    st.caption(t("policy_points", n=len(values), model=model or "–") + f" ({key})")
    st.button(t("policy_run"), type="primary", disabled=True, key="pol_run")  # enabled once the run is written (needs ready)
