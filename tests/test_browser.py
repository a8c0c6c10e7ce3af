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
EXAMPLE_EN = "Suzhou precision machining Co. (example)"       # the example's `name`, as the app lists it
EXAMPLE_ZH = "苏州精密机械加工有限公司（示例）"
LAUNCH_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
               "--disable-component-update"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app as a user starts it, from another folder and with no Streamlit settings of their own (an empty HOME):
    only the repository's .streamlit/config.toml, next to app.py, turns usage statistics off. The small test model
    is listed too (PATHWAYS_UI_EXAMPLES) for the two-session test."""
    elsewhere = tmp_path_factory.mktemp("cwd")
    if not Path(CHROMIUM).is_file():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get update && apt-get install -y "
                    "chromium) to run the browser test")
    ART.mkdir(parents=True, exist_ok=True)
    (ART / ".gitignore").write_text("*\n")
    port = free_port()
    log = open(ART / "streamlit.log", "w")
    env = {k: v for k, v in os.environ.items() if not k.startswith("STREAMLIT_")}
    env.update(HOME=str(elsewhere), PATHWAYS_UI_EXAMPLES=str(ROOT / "tests" / "fixtures"),
               PATHWAYS_CACHE=os.environ.get("PATHWAYS_CACHE", str(Path.home() / ".cache" / "pathways")))
    proc = subprocess.Popen([sys.executable, "-m", "streamlit", "run", str(ROOT / "app.py"), "--server.port",
                             str(port)], cwd=elsewhere, stdout=log, stderr=subprocess.STDOUT, env=env)
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
            page.get_by_role("option", name=EXAMPLE_EN).click()
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
                # the previous run's elements stay on the page until the rerun ends: wait until only one is left
                expect(page.get_by_role("heading", name="Downloads")).to_have_count(1)
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
            page.get_by_role("option", name=EXAMPLE_ZH).click()
            idle(page)
            page.get_by_role("button", name="对比", exact=True).click()
            expect(page.get_by_role("heading", name="与 A 相比的变化")).to_be_visible()
            expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
            idle(page)
            page.screenshot(path=str(ART / "4_compare_zh.png"), full_page=True)
            assert page.locator("[data-testid='stException']").count() == 0
        finally:
            browser.close()


def test_every_page_opens_at_its_address_and_lists_the_bundled_examples_by_name(server):
    """/sme, /compare, /park, /policy typed or bookmarked open their page (no "Page not found"); / moves on to /sme;
    the Park page lists the bundled parks (models/parks/) by their names, in Chinese and in English."""
    from playwright.sync_api import expect, sync_playwright
    titles = {"sme": "我的企业：分阶段降碳方案", "compare": "情景并排对比", "park": "园区：整个工业园区的降碳组合",
              "policy": "政策：补贴能带来什么？"}
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            for path, title in titles.items():
                page = browser.new_page(viewport={"width": 1400, "height": 1600})
                page.set_default_timeout(60_000)
                page.goto(f"{server}/{path}")
                expect(page.get_by_role("heading", name=title)).to_be_visible(timeout=60_000)
                idle(page)
                assert page.get_by_text("Page not found").count() == 0, path
                assert page.url.rstrip("/").endswith(f"/{path}"), page.url
                if path == "park":
                    page.get_by_test_id("stSelectbox").first.click()
                    expect(page.get_by_role("option", name="苏州机械电子产业园区（生成）")).to_be_visible()
                    page.keyboard.press("Escape")
                    page.get_by_text("English", exact=True).click()
                    idle(page)
                    page.get_by_test_id("stSelectbox").first.click()
                    expect(page.get_by_role("option",
                                            name="Suzhou machinery and electronics park (generated)")).to_be_visible()
                    expect(page.get_by_role("option", name="Foshan mixed park (generated)")).to_be_visible()
                    page.screenshot(path=str(ART / "5_park_examples_en.png"))
                page.close()
            page = browser.new_page()
            page.goto(server)
            expect(page.get_by_role("heading", name=titles["sme"])).to_be_visible(timeout=60_000)
            page.wait_for_url(re.compile(r"/sme$"))
            assert page.get_by_text("Page not found").count() == 0
        finally:
            browser.close()


LOCAL_HOSTS = {"127.0.0.1", "localhost"}
SMALL_NAME = "Small test workshop"          # tests/fixtures/site_plan_small.yaml, listed through PATHWAYS_UI_EXAMPLES


def choose_small_example(page, name: str | None = None) -> None:
    """English, the small test model, no alternatives (a plan in seconds); ``name`` overrides the site's name (a
    run of its own: the app caches plans by their resolved model)."""
    from playwright.sync_api import expect
    page.goto(page.context.server_url)
    page.wait_for_selector("[data-testid='stApp']")
    page.get_by_text("English", exact=True).click()
    expect(page.get_by_role("heading", name="My SME: a phased decarbonisation plan")).to_be_visible()
    page.get_by_test_id("stSelectbox").first.click()
    page.get_by_role("option", name=SMALL_NAME).click()
    idle(page)
    page.get_by_text("Settings", exact=True).click()
    page.get_by_role("spinbutton", name="Alternative plans").fill("0")
    page.get_by_role("spinbutton", name="Alternative plans").press("Enter")
    idle(page)
    if name:
        box = page.get_by_role("textbox", name="Overrides, one key=value per line (like --set)")
        box.fill(f"name={name}")
        box.press("Control+Enter")
        idle(page)


def test_the_page_requests_nothing_outside_localhost(server):
    """Issue 12, defect 3: launched without --browser.gatherUsageStats (only .streamlit/config.toml next to app.py
    turns it off), the page of the example plan contacts no host but the app's own. Every request of the browser
    context is recorded; one leaving localhost is also aborted, so the test itself sends nothing."""
    from playwright.sync_api import expect, sync_playwright
    from urllib.parse import urlsplit

    requests: list[str] = []

    def guard(route):
        host = urlsplit(route.request.url).hostname
        if route.request.url.startswith(("http:", "https:", "ws:", "wss:")) and host not in LOCAL_HOSTS:
            route.abort()
        else:
            route.continue_()

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            context = browser.new_context(viewport={"width": 1400, "height": 2400})
            context.server_url = server
            context.on("request", lambda r: requests.append(r.url))
            context.on("websocket", lambda ws: requests.append(ws.url))
            context.route("**/*", guard)
            page = context.new_page()
            page.set_default_timeout(180_000)
            expect.set_options(timeout=180_000)
            choose_small_example(page)
            page.get_by_role("button", name="Run", exact=True).click()
            expect(page.get_by_role("heading", name="The plan")).to_be_visible()
            expect(page.locator("[data-testid='stVegaLiteChart']").first).to_be_visible()
            page.wait_for_timeout(3000)              # metrics are sent a moment after the page loads
        finally:
            browser.close()
    web = [u for u in requests if u.startswith(("http:", "https:", "ws:", "wss:"))]
    assert len(web) > 10                             # the recording works: the page's own files and socket
    outside = sorted({u for u in web if urlsplit(u).hostname not in LOCAL_HOSTS})
    assert outside == [], outside


def test_two_sessions_that_press_run_at_once_both_get_their_plan(server):
    """Issue 12, defect 1: two browser sessions (two contexts) start a plan at the same moment; both show it, with
    the NPV that pathways.plan gives alone (before, the two solves hung in Pyomo's process-wide output capture).
    Each session plans under its own site name, so the app's plan cache cannot hand one session the other's plan."""
    import pathways
    from pathways.ui import fmt
    from playwright.sync_api import expect, sync_playwright

    alone = pathways.plan(str(ROOT / "tests" / "fixtures" / "site_plan_small.yaml"), alternatives=0)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=LAUNCH_ARGS)
        try:
            pages = []
            for k in (1, 2):
                context = browser.new_context(viewport={"width": 1400, "height": 2400})
                context.server_url = server
                page = context.new_page()
                page.set_default_timeout(240_000)
                choose_small_example(page, f"Concurrent session {k} {time.time_ns()}")
                pages.append(page)
            buttons = [pg.get_by_role("button", name="Run", exact=True) for pg in pages]
            for b in buttons:                         # both runs start within a few milliseconds
                b.click()
            for i, page in enumerate(pages):
                expect(page.get_by_role("heading", name=re.compile(f"Concurrent session {i + 1}"))).to_be_visible(
                    timeout=240_000)
                expect(page.get_by_role("heading", name="The plan")).to_be_visible(timeout=240_000)
                metric = page.get_by_test_id("stMetric").filter(has_text="NPV of the plan").first
                expect(metric).to_contain_text(fmt.cny(alone.npv_cny, "en"), timeout=60_000)
                page.screenshot(path=str(ART / f"6_two_sessions_{i + 1}.png"), full_page=True)
                assert page.locator("[data-testid='stException']").count() == 0
        finally:
            browser.close()
