"""JupyterLab in a real browser, as a user meets Likewise: JupyterLab (from the venv) on loopback
with a token, Debian's headless Chromium driven by Selenium, the quickstart notebook opened on
the Likewise kernel and run top to bottom (LIKEWISE_PROFILE=ci), then a cell with a mistake.
The lab runs in Jupyter folders of its own, made from a home planted with the state a used machine
has (isolation.py); it must see none of it and leave it as it was. Screenshots go to
out/browser-test/. Skipped, saying why, where Chromium cannot be found."""
import json
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

from isolation import isolated_environment, snapshot

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SCREENSHOTS = os.path.join(ROOT, "out", "browser-test")
CHROMIUM, DRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# JupyterLab's own model of the open notebook: each code cell's execution count, first line and
# errors, and the kernel's status. Read through the app JupyterLab exposes to the page
# (LabApp.expose_app_in_browser), so that it does not depend on which cells are scrolled into view.
NOTEBOOK_MODEL = """
const app = window.jupyterapp;
if (!app) return null;
const panel = Array.from(app.shell.widgets('main')).find(w => w.context && w.context.path === arguments[0]);
if (!panel || !panel.content.model) return null;
const cells = [];
for (let i = 0; i < panel.content.model.cells.length; i++) {
  const cell = panel.content.model.cells.get(i);
  if (cell.type !== 'code') continue;
  cells.push({index: i, count: cell.executionCount, line: cell.sharedModel.getSource().split('\\n')[0],
              errors: cell.outputs.toJSON().filter(o => o.output_type === 'error').map(o => o.ename + ': ' + o.evalue)});
}
return {status: panel.sessionContext.kernelDisplayStatus, cells: cells};
"""


def plant_a_used_machine(home):
    """What JupyterLab leaves in a home where it was used by hand, made worse: a saved workspace
    with two other notebooks open side by side, settings that show cells only in view and open
    notebooks as JSON text, and a server config that moves every URL. With any of it read, the
    test fails."""
    from jupyterlab_server.workspaces_handler import WORKSPACE_EXTENSION, slugify
    lab = os.path.join(home, ".jupyter", "lab")
    others = ["03-vae-and-diffusion.ipynb", "05-why-n-to-n.ipynb"]
    layout = {"main": {"dock": {"type": "split-area", "orientation": "horizontal", "sizes": [0.5, 0.5],
                                "children": [{"type": "tab-area", "currentIndex": 0, "widgets": ["notebook:" + n]} for n in others]},
                       "current": "notebook:" + others[0]}}
    workspace = {"data": {"layout-restorer:data": layout, **{"notebook:" + n: {"data": {"path": n, "factory": "Notebook"}} for n in others}},
                 "metadata": {"id": "default"}}
    files = {
        os.path.join(lab, "workspaces", slugify("default") + WORKSPACE_EXTENSION): workspace,
        os.path.join(lab, "user-settings", "@jupyterlab", "notebook-extension", "tracker.jupyterlab-settings"): {"windowingMode": "full"},
        os.path.join(lab, "user-settings", "@jupyterlab", "docmanager-extension", "plugin.jupyterlab-settings"): {"defaultViewers": {"notebook": "Editor"}},
        os.path.join(home, ".jupyter", "jupyter_server_config.json"): {"ServerApp": {"base_url": "/planted/"}},
    }
    for path, content in files.items():
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            json.dump(content, f)


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
        # The machine as a user leaves it: planted state in a home and in variables pointing at
        # it. The lab starts from an isolated environment made of that one, and must see none of it.
        used = os.path.join(self.work, "used-home")
        plant_a_used_machine(used)
        self.planted = snapshot(used)
        self.addCleanup(lambda: self.assertEqual(snapshot(used), self.planted, "the planted user state is left as it was"))
        users = dict(os.environ, HOME=used, JUPYTER_CONFIG_DIR=os.path.join(used, ".jupyter"),
                     JUPYTERLAB_WORKSPACES_DIR=os.path.join(used, ".jupyter", "lab", "workspaces"),
                     JUPYTERLAB_SETTINGS_DIR=os.path.join(used, ".jupyter", "lab", "user-settings"))
        env = isolated_environment(users, os.path.join(self.work, "jupyter"), os.environ["JUPYTER_PATH"])
        env["LIKEWISE_PROFILE"] = "ci"
        # Every cell stays in the page (JupyterLab otherwise renders only what is in view), and no
        # news prompt covers it.
        for extension, plugin, values in [("notebook-extension", "tracker", '{"windowingMode": "none"}'),
                                          ("apputils-extension", "notification", '{"fetchNews": "false"}')]:
            os.makedirs(os.path.join(env["JUPYTERLAB_SETTINGS_DIR"], "@jupyterlab", extension), exist_ok=True)
            with open(os.path.join(env["JUPYTERLAB_SETTINGS_DIR"], "@jupyterlab", extension, plugin + ".jupyterlab-settings"), "w") as f:
                f.write(values)
        self.lab = subprocess.Popen(
            [os.path.join(os.path.dirname(sys.executable), "jupyter"), "lab", "--no-browser", "--ip=127.0.0.1",
             f"--port={self.port}", f"--IdentityProvider.token={self.token}", "--allow-root",
             f"--ServerApp.root_dir={os.path.join(self.work, 'Notebooks')}", "--LabApp.news_url=None",
             "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate", "--LabApp.expose_app_in_browser=True"],
            env=env, stdout=subprocess.DEVNULL, stderr=open(os.path.join(self.work, "lab.log"), "w"))
        self.addCleanup(self.stop_lab)
        self.wait_for_server()
        options = webdriver.ChromeOptions()
        options.binary_location = CHROMIUM
        for flag in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000",
                     f"--user-data-dir={os.path.join(self.work, 'chromium')}"]:
            options.add_argument(flag)
        self.browser = webdriver.Chrome(service=Service(executable_path=DRIVER, env=env), options=options)
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

    def wait_for_every_cell(self, path, seconds):
        """JupyterLab's model of `path` once every code cell has an execution count and the kernel
        is idle; on a time-out the failure names each cell that did not run."""
        last = {}
        def done():
            last["model"] = self.browser.execute_script(NOTEBOOK_MODEL, path)
            model = last["model"]
            return model if model and model["status"] == "idle" and model["cells"] and all(c["count"] for c in model["cells"]) else None
        try:
            from selenium.webdriver.support.ui import WebDriverWait
            return WebDriverWait(self.browser, seconds, poll_frequency=0.5).until(lambda _: done())
        except Exception:
            self.browser.save_screenshot(os.path.join(SCREENSHOTS, "failed.png"))
            model = last.get("model")
            if not model:
                raise AssertionError(f"{path} never opened as a notebook in JupyterLab; see out/browser-test/failed.png")
            waiting = [f"cell {c['index']} ({c['line']!r})" for c in model["cells"] if not c["count"]]
            raise AssertionError(f"timed out after {seconds} s with the kernel {model['status']}; not run: {', '.join(waiting) or 'none'}; "
                                 "see out/browser-test/failed.png")

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
        # Opened on its kernel and saved, the notebook is byte for byte as it is in git: nothing
        # JupyterLab fills in or writes its own way shows up as a change the user did not make.
        self.browser.execute_script("return window.jupyterapp.commands.execute('docmanager:save')")
        with open(os.path.join(self.work, "Notebooks", "01-quickstart.ipynb"), encoding="utf-8") as saved, \
                open(os.path.join(ROOT, "Notebooks", "01-quickstart.ipynb"), encoding="utf-8") as committed:
            self.assertEqual(saved.read(), committed.read(), "JupyterLab changed the quickstart by opening and saving it")
        # The language is highlighted: the editor marks keywords and strings with spans.
        self.assertTrue(self.css(".jp-CodeCell .cm-line span"), "no highlighted tokens in the code cells")
        self.menu("Run", "Run All Cells")
        model = self.wait_for_every_cell("01-quickstart.ipynb", seconds=480)
        self.browser.save_screenshot(os.path.join(SCREENSHOTS, "quickstart.png"))
        self.assertEqual([(c["index"], c["errors"]) for c in model["cells"] if c["errors"]], [], "no cell of the quickstart fails")
        pictures = [i for i in self.css(".jp-RenderedImage img") if i.get_attribute("src").startswith("data:image/png")]
        # The pairs, the loss plot, three edits and the applied folder; the metrics show as HTML.
        self.assertGreaterEqual(len(pictures), 6, "the quickstart shows its pictures")
        self.assertTrue(all(i.get_property("naturalWidth") > 0 for i in pictures), "every picture decodes")
        self.assertTrue(any("identity" in t.text and "edit PSNR" in t.text for t in self.css(".jp-RenderedHTMLCommon table")),
                        "the metrics table is shown")
        # The planted workspace was never the lab's: only the quickstart is open.
        self.assertEqual([w for w in self.browser.execute_script(
            "return Array.from(window.jupyterapp.shell.widgets('main')).map(w => w.context ? w.context.path : null).filter(p => p)")],
            ["01-quickstart.ipynb"])
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
