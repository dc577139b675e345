"""Installs the kernelspec of the built binary into a temporary Jupyter path for the tests."""
import os
import subprocess
import tempfile

_root = tempfile.mkdtemp(prefix="likewise-jupyter-")
_binary = os.environ.get("LIKEWISE_BIN", os.path.join(os.path.dirname(__file__), "..", "..", ".build", "debug", "likewise"))
subprocess.run([_binary, "install", "--prefix", _root], check=True)
os.environ["JUPYTER_PATH"] = os.path.join(_root, "share", "jupyter")
os.environ["JUPYTER_RUNTIME_DIR"] = os.path.join(_root, "runtime")
