"""The tests' Jupyter is their own (isolation.py): from an environment planted with a user's
Jupyter state and variables, the isolated one finds none of it — not in Jupyter's search paths,
not among the kernelspecs — and these tests themselves run with it."""
import json
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
import unittest

from isolation import isolated_environment

JUPYTER = os.path.join(os.path.dirname(sys.executable), "jupyter")


class IsolatedJupyter(unittest.TestCase):
    def setUp(self):
        self.work = tempfile.mkdtemp(prefix="likewise-isolation-")
        self.addCleanup(shutil.rmtree, self.work, True)
        self.used = os.path.join(self.work, "used-home")
        # A user's own likewise kernelspec that could not start, and a config folder of theirs.
        spec = os.path.join(self.used, ".local", "share", "jupyter", "kernels", "likewise")
        os.makedirs(spec)
        with open(os.path.join(spec, "kernel.json"), "w") as f:
            json.dump({"argv": ["/bin/false", "{connection_file}"], "display_name": "planted", "language": "likewise"}, f)
        os.makedirs(os.path.join(self.used, ".jupyter"))
        self.planted = dict(os.environ, HOME=self.used, JUPYTER_CONFIG_DIR=os.path.join(self.used, ".jupyter"),
                            JUPYTER_DATA_DIR=os.path.join(self.used, ".local", "share", "jupyter"),
                            JUPYTER_PATH=os.path.join(self.used, ".local", "share", "jupyter"),
                            JUPYTER_CONFIG_PATH=os.path.join(self.used, ".jupyter"), JUPYTER_PREFER_ENV_PATH="0",
                            JUPYTERLAB_WORKSPACES_DIR=os.path.join(self.used, "workspaces"), JPY_SESSION_NAME="planted.ipynb")
        self.env = isolated_environment(self.planted, os.path.join(self.work, "jupyter"), os.environ["JUPYTER_PATH"])

    def jupyter(self, *arguments):
        return json.loads(subprocess.run([JUPYTER, *arguments], env=self.env, check=True, capture_output=True, text=True).stdout)

    def test_no_search_path_leads_into_the_users_home(self):
        paths = self.jupyter("--paths", "--json")
        every = [p for group in paths.values() for p in group]
        self.assertTrue(every)
        self.assertEqual([p for p in every if p.startswith(self.used)], [])
        self.assertEqual(paths["data"][0], os.environ["JUPYTER_PATH"], "the kernelspec under test comes first")
        self.assertFalse([k for k in self.env if k.startswith("JPY_")])

    def test_the_likewise_kernelspec_is_the_built_binarys(self):
        specs = self.jupyter("kernelspec", "list", "--json")["kernelspecs"]
        self.assertEqual(specs["likewise"]["spec"]["display_name"], "Likewise")
        self.assertNotIn("/bin/false", specs["likewise"]["spec"]["argv"])

    def test_this_test_run_is_isolated_too(self):
        home = pwd.getpwuid(os.getuid()).pw_dir
        for variable in ["HOME", "JUPYTER_CONFIG_DIR", "JUPYTER_DATA_DIR", "JUPYTER_RUNTIME_DIR", "JUPYTERLAB_WORKSPACES_DIR",
                         "JUPYTERLAB_SETTINGS_DIR", "JUPYTER_PATH"]:
            place = os.environ[variable]
            self.assertEqual(os.path.commonpath([place, tempfile.gettempdir()]), tempfile.gettempdir(), f"{variable} is {place}")
            self.assertFalse(place.startswith(home + os.sep), f"{variable} is {place}, in the user's home")

if __name__ == "__main__":
    unittest.main()
