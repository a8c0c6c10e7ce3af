"""Fixtures shared by the app tests (tests/test_ui.py, tests/test_ui_sessions.py)."""
from pathlib import Path

import pytest

FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture
def app(monkeypatch):
    """The Streamlit app in English, with the test fixtures listed as examples."""
    from streamlit.testing.v1 import AppTest

    from pathways.ui import inputs
    monkeypatch.setenv(inputs.EXAMPLES_ENV, str(FIXTURES))
    at = AppTest.from_file(str(FIXTURES.parent.parent / "app.py"), default_timeout=180)
    at.run()
    assert not at.exception
    at.radio(key="lang").set_value("en").run()
    return at
