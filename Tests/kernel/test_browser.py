"""JupyterLab in a real browser, as a user meets Likewise: JupyterLab (from the venv) on loopback
with a token, Debian's headless Chromium driven by Selenium, the quickstart notebook opened on
the Likewise kernel and run top to bottom (LIKEWISE_PROFILE=ci), then a cell with a mistake.
Screenshots go to out/browser-test/. Skipped, saying why, where Chromium cannot be found."""
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import unittest
import urllib.request

import pytest

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCREENSHOTS = os.path.join(ROOT, "out", "browser-test")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.timeout(600)
@unittest.skipUnless(CHROMIUM and DRIVER, "Debian's chromium and chromium-driver are not installed (scripts/install-browser.sh installs them)")
class JupyterLabInABrowser(unittest.TestCase):
    def setUp(self):
        from selenium import webdriver
        from selenium.webdriver.chrome.service import Service

        self.work = tempfile.mkdtemp(prefix="likewise-lab-")
        self.addCleanup(shutil.rmtree, self.work, True)
        shutil.copytree(os.path.join(ROOT, "Notebooks"), os.path.join(self.work, "Notebooks"))
        os.makedirs(SCREENSHOTS, exist_ok=True)
        self.port, self.token = free_port(), "likewise-test-token"
        # Every cell stays in the page (JupyterLab otherwise renders only what is in view), and no
        # news prompt covers it.
        settings = os.path.join(self.work, "settings")
        for extension, plugin, values in [("notebook-extension", "tracker", '{"windowingMode": "none"}'),
                                          ("apputils-extension", "notification", '{"fetchNews": "false"}')]:
            os.makedirs(os.path.join(settings, "@jupyterlab", extension), exist_ok=True)
            with open(os.path.join(settings, "@jupyterlab", extension, plugin + ".jupyterlab-settings"), "w") as f:
                f.write(values)
        env = dict(os.environ, LIKEWISE_PROFILE="ci", JUPYTERLAB_SETTINGS_DIR=settings)
        self.lab = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", f"--IdentityProvider.token={self.token}", "--allow-root",
             f"--ServerApp.root_dir={os.path.join(self.work, 'Notebooks')}", "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "lab.log"), "w"))
        self.addCleanup(self.stop_lab)
        self.wait_for_server()
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"]:
            options.add_argument(flag)
        self.browser = webdriver.Chrome(service=Service(executable_path=DRIVER), options=options)
        self.addCleanup(self.browser.quit)

    def stop_lab(self):
        self.lab.terminate()
        try:
            self.lab.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.lab.kill()

    def wait_for_server(self):
        url = f"http://127.0.0.1:{self.port}/api/status?token={self.token}"
        for _ in range(120):
            try:
                urllib.request.urlopen(url, timeout=2)
                return
            except OSError:
                time.sleep(0.5)
        self.fail("JupyterLab did not start: " + open(os.path.join(self.work, "lab.log")).read()[-2000:])

    def wait(self, what, condition, seconds=180):
        from selenium.webdriver.support.ui import WebDriverWait
        try:
            return WebDriverWait(self.browser, seconds, poll_frequency=0.5).until(lambda _: condition())
        except Exception:
            self.browser.save_screenshot(os.path.join(SCREENSHOTS, "failed.png"))
            raise AssertionError(f"timed out waiting for {what}; see out/browser-test/failed.png")

    def css(self, selector):
        from selenium.webdriver.common.by import By
        return self.browser.find_elements(By.CSS_SELECTOR, selector)

    def kernel_idle(self):
        return any(e.get_attribute("data-status") == "idle" for e in self.css(".jp-Notebook-ExecutionIndicator"))

    def menu(self, menu, item):
        """Clicks a menu of the menu bar, then one of its items, as a user would."""
        from selenium.webdriver.common.by import By
        self.browser.find_element(By.XPATH, f"//div[contains(@class, 'lm-MenuBar-itemLabel') and text()='{menu}']").click()
        self.wait(f"the menu item {menu} › {item}", lambda: self.browser.find_elements(
            By.XPATH, f"//div[contains(@class, 'lm-Menu-itemLabel') and text()='{item}']"), 20)[0].click()

    def run_new_cell(self, code, code_cells):
        """Types `code` into a new cell at the end and runs it with Shift+Enter."""
        from selenium.webdriver.common.action_chains import ActionChains
        from selenium.webdriver.common.keys import Keys
        self.css(".jp-Notebook-footer")[0].click()  # "Click to add a cell."
        self.wait("a new cell in edit mode", lambda: len(self.css(".jp-CodeCell")) == code_cells + 1, 20)
        editor = self.css(".jp-CodeCell .cm-content")[-1]
        editor.click()
        editor.send_keys(code)
        self.wait("the typed code", lambda: code in self.css(".jp-CodeCell .cm-content")[-1].text, 10)
        ActionChains(self.browser).key_down(Keys.SHIFT).send_keys(Keys.ENTER).key_up(Keys.SHIFT).perform()

    def test_the_quickstart_runs_in_jupyterlab_with_pictures_highlighting_sliders_and_errors(self):
        from selenium.webdriver.common.keys import Keys
        self.browser.get(f"http://127.0.0.1:{self.port}/lab/tree/01-quickstart.ipynb?token={self.token}")
        self.wait("the notebook on an idle Likewise kernel",
                  lambda: self.kernel_idle() and any("Likewise" in e.text for e in self.css(".jp-KernelName")))
        # The language is highlighted: the editor marks keywords and strings with spans.
        self.assertTrue(self.css(".jp-CodeCell .cm-line span"), "no highlighted tokens in the code cells")
        self.menu("Run", "Run All Cells")
        code_cells = len(self.css(".jp-CodeCell"))
        self.wait("every cell to run", lambda: self.kernel_idle() and len(
            [p for p in self.css(".jp-CodeCell .jp-InputPrompt") if p.text.strip().startswith("[") and p.text.strip()[1:-2].strip().isdigit()]) == code_cells,
            seconds=480)
        self.browser.save_screenshot(os.path.join(SCREENSHOTS, "quickstart.png"))
        pictures = [i for i in self.css(".jp-RenderedImage img") if i.get_attribute("src").startswith("data:image/png")]
        # The pairs, the loss plot, three edits and the applied folder; the metrics show as HTML.
        self.assertGreaterEqual(len(pictures), 6, "the quickstart shows its pictures")
        self.assertTrue(all(i.get_property("naturalWidth") > 0 for i in pictures), "every picture decodes")
        self.assertTrue(any("identity" in t.text and "edit PSNR" in t.text for t in self.css(".jp-RenderedHTMLCommon table")),
                        "the metrics table is shown")
        failures = [e.text for e in self.css(".jp-OutputArea-output") if "Error: " in e.text]
        self.assertEqual(failures, [], "no cell of the quickstart fails")
        # The tune cell's strength slider, moved one step by keyboard as a user would: the kernel
        # draws the picture again, and the session reads the value chosen.
        image = self.wait("the tune widget's picture", lambda: self.css(".jupyter-widgets img"), 30)[0]
        before = image.get_attribute("src")
        handle = [h for h in self.css(".widget-hslider") if "strength" in h.text][0].find_elements("css selector", ".noUi-handle")[0]
        handle.click()
        handle.send_keys(Keys.ARROW_LEFT)
        self.wait("the picture drawn again", lambda: self.css(".jupyter-widgets img")[0].get_attribute("src") != before, 30)
        self.browser.save_screenshot(os.path.join(SCREENSHOTS, "tune.png"))
        code_cells = len(self.css(".jp-CodeCell"))
        self.run_new_cell("t.strength", code_cells)
        self.wait("the strength read back", lambda: any(e.text.strip() == "0.95" for e in self.css(".jp-OutputArea-output")), 30)
        # A mistake in a new cell: the traceback names the place, and the kernel goes back to idle.
        self.run_new_cell("shwo(1)", len(self.css(".jp-CodeCell")))
        self.wait("the error's traceback", lambda: any("NameError" in e.text for e in self.css(".jp-OutputArea-output")), 60)
        traceback = next(e.text for e in self.css(".jp-OutputArea-output") if "NameError" in e.text)
        self.assertIn("unknown command 'shwo'", traceback)
        self.assertIn("did you mean 'show'?", traceback)
        self.wait("the kernel idle after the error", self.kernel_idle, 30)
        self.browser.save_screenshot(os.path.join(SCREENSHOTS, "error.png"))


if __name__ == "__main__":
    unittest.main()
