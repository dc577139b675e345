"""Every test here runs in a Jupyter of its own: the kernelspec of the built binary installed into a
temporary root, and every per-user Jupyter place (home, config, data, runtime, JupyterLab's
workspaces and settings) moved there too (isolation.py), so that what a user did with Jupyter on
this machine cannot change a result. At the end the session fails if the user's own Jupyter
folders changed while it ran."""
import os
import subprocess
import tempfile

from isolation import isolated_environment, snapshot

_root = tempfile.mkdtemp(prefix="likewise-jupyter-")
_binary = os.environ.get("LIKEWISE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "likewise"))
subprocess.run([_binary, "install", "--prefix", os.path.join(_root, "prefix")], check=True)
_home = os.path.expanduser("~")
# Runtime files come and go with whatever the user runs meanwhile; the rest must stay as it was.
_users_folders = [os.path.join(_home, ".jupyter"), os.path.join(_home, ".local", "share", "jupyter", "kernels"),
                  os.path.join(_home, ".local", "share", "jupyter", "lab")]
_before = {folder: snapshot(folder) for folder in _users_folders}
_isolated = isolated_environment(dict(os.environ), os.path.join(_root, "user"), os.path.join(_root, "prefix", "share", "jupyter"))
os.environ.clear()
os.environ.update(_isolated)


def pytest_sessionfinish(session, exitstatus):
    changed = [folder for folder in _users_folders if snapshot(folder) != _before[folder]]
    if changed:
        print("\nthe tests changed the user's Jupyter state in: " + ", ".join(changed))
        session.exitstatus = 1
