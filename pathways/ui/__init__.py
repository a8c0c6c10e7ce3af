"""The Streamlit web app: pages in this package, ``app.py`` only calls ``main()``.

Pages call the public API only (``pathways.plan``, ``pathways.pareto``, ``pathways.inputs.resolve`` validation), through
the caches of ``runs.py``. Texts live in ``texts.py`` (zh / en).
"""
from __future__ import annotations


def main() -> None:
    import streamlit as st

    from pathways.ui import compare, park, policy, sme
    from pathways.ui.texts import LANGS, t

    st.set_page_config(page_title="pathways", layout="wide")
    if st.session_state.get("lang") not in LANGS:
        st.session_state["lang"] = "zh"
    st.sidebar.radio("语言 / Language", LANGS, key="lang", horizontal=True,
                     format_func=lambda x: {"zh": "中文", "en": "English"}[x])
    st.sidebar.caption(t("offline_note"))
    # Streamlit serves the default page only at "/", never at its url_path; so "/" is a hidden page that moves on
    # to /sme, and every page shown (/sme, /compare, /park, /policy) has an address that works when typed.
    sme_page = st.Page(sme.page, title=t("nav_sme"), url_path="sme")
    pages = [st.Page(lambda: st.switch_page(sme_page), title=t("nav_sme"), url_path="start", default=True,
                     visibility="hidden"),
             sme_page,
             st.Page(compare.page, title=t("nav_compare"), url_path="compare"),
             st.Page(park.page, title=t("nav_park"), url_path="park"),
             st.Page(policy.page, title=t("nav_policy"), url_path="policy")]
    st.navigation(pages).run()
