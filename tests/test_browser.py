"""The web app in a real browser: `streamlit run app.py` on a free localhost port, driven by Playwright with
Debian's chromium (/usr/bin/chromium; `apt-get install -y chromium`, never `playwright install`).

Runs the example SME, checks the plan table and a chart appear, measures the time from pressing Run to the plan
(printed and written to tests/artifacts/time_to_plan.txt, not asserted), switches language, uploads a malformed
file and checks the error and that the app keeps working. Screenshots go to tests/artifacts/ (git-ignored by the
.gitignore this test writes there).
"""
from __future__ import annotations

import os
import re
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parent.parent
ART = ROOT / "tests" / "artifacts"
CHROMIUM = "/usr/bin/chromium"
EXAMPLE = "suzhou_machining"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get update && apt-get install -y "
                    "chromium) to run the browser test")
    ART.mkdir(parents=True, exist_ok=True)
    (ART / ".gitignore").write_text("*\n")
    port = free_port()
    log = open(ART / "streamlit.log", "w")
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", "app.py", "--server.headless", "true",
                             "--server.port", str(port), "--browser.gatherUsageStats", "false"],
                            cwd=ROOT, stdout=log, stderr=subprocess.STDOUT, env={**os.environ})
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                if urllib.request.urlopen(url + "/_stcore/health", timeout=2).status == 200:
                    break
            except OSError:
                pass
            if proc.poll() is not None or time.time() > deadline:
                pytest.fail(f"streamlit did not start (see {ART / 'streamlit.log'})")
            time.sleep(0.3)
        yield url
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def idle(page) -> None:
    """Wait until the script run triggered by the last interaction has finished."""
    page.wait_for_timeout(300)
    page.wait_for_selector("[data-testid='stStatusWidget']", state="detached")


def test_example_sme_in_a_real_browser(server, capsys):
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("the playwright Python package is missing: pip install playwright (never `playwright install`)")
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            page = browser.new_page(viewport={"width": 1400, "height": 2400})
            page.set_default_timeout(120_000)
            expect.set_options(timeout=120_000)
            page.goto(server)
            page.wait_for_selector("[data-testid='stApp']")
            page.get_by_text("English", exact=True).click()
            expect(page.get_by_role("heading", name="My SME: a phased decarbonisation plan")).to_be_visible()
            page.get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name=EXAMPLE).click()
            run = page.get_by_role("button", name="Run", exact=True)
            idle(page)

            times, server_side = [], []
            t0 = time.perf_counter()
            run.click()
            page.wait_for_selector("[data-testid='stTable']")
            times.append(time.perf_counter() - t0)
            expect(page.get_by_role("heading", name="The plan")).to_be_visible()
            expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
            assert page.locator("[data-testid='stTable']").first.locator("tbody tr").count() >= 3
            expect(page.get_by_role("heading", name="Downloads")).to_be_visible()   # alternatives done too
            page.wait_for_timeout(500)
            page.screenshot(path=str(ART / "1_sme_plan_en.png"), full_page=True)

            # two more cold solves of the same example (the name override only changes the run id)
            page.get_by_text("Settings", exact=True).click()
            page.get_by_role("spinbutton", name="Alternative plans").fill("0")
            page.get_by_role("spinbutton", name="Alternative plans").press("Enter")
            idle(page)
            for k in (2, 3):
                box = page.get_by_role("textbox", name="Overrides, one key=value per line (like --set)")
                box.fill(f"name=Suzhou timing run {k}")
                box.press("Control+Enter")
                idle(page)
                t0 = time.perf_counter()
                run.click()
                page.get_by_role("heading", name=re.compile(f"Suzhou timing run {k}")).wait_for()
                times.append(time.perf_counter() - t0)
                server_side.append(page.get_by_text("planned in").first.inner_text())
                expect(page.get_by_role("heading", name="Downloads")).to_be_visible()
            median = statistics.median(times)
            report = (f"time from Run to plan for {EXAMPLE}: " + ", ".join(f"{x:.2f} s" for x in times)
                      + f"; median {median:.2f} s")
            (ART / "time_to_plan.txt").write_text(report + "\n")
            with capsys.disabled():
                print("\n" + report + "\n" + "\n".join(server_side))

            page.get_by_text("中文", exact=True).click()
            expect(page.get_by_role("heading", name="我的企业：分阶段降碳方案")).to_be_visible()
            expect(page.get_by_role("heading", name="方案明细")).to_be_visible()
            page.wait_for_timeout(1000)
            page.screenshot(path=str(ART / "2_sme_plan_zh.png"), full_page=True)

            page.get_by_text("上传我的文件", exact=True).click()
            page.locator("input[type=file]").first.set_input_files(
                {"name": "broken.yaml", "mimeType": "application/x-yaml", "buffer": b"name: [unclosed\ncity: Wuxi\n"})
            expect(page.get_by_text("not valid YAML").first).to_be_visible()
            page.screenshot(path=str(ART / "3_malformed_upload.png"))
            page.get_by_text("示例企业", exact=True).click()
            page.get_by_role("button", name="运行", exact=True).click()
            expect(page.get_by_role("heading", name="方案明细")).to_be_visible()

            page.get_by_role("link", name="情景对比").click()
            expect(page.get_by_role("heading", name="情景并排对比")).to_be_visible()
            page.get_by_test_id("stSelectbox").first.click()
            page.get_by_role("option", name=EXAMPLE).click()
            idle(page)
            page.get_by_role("button", name="对比", exact=True).click()
            expect(page.get_by_role("heading", name="与 A 相比的变化")).to_be_visible()
            expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
            idle(page)
            page.screenshot(path=str(ART / "4_compare_zh.png"), full_page=True)
            assert page.locator("[data-testid='stException']").count() == 0
        finally:
            browser.close()
