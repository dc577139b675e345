"""Jupyter processes that the tests start see none of the machine's Jupyter state, and leave none.

A machine where JupyterLab was used by hand has a saved workspace (which notebooks are open),
settings, config, kernelspecs and runtime files under the user's home, and perhaps JUPYTER_*
variables in the environment. Any of them can change what a test sees: a restored workspace once
opened three other notebooks beside the quickstart and the browser test timed out. So every
place Jupyter reads or writes per user is moved under one temporary root, and every JUPYTER_* and
JPY_* variable of the caller is dropped before the tests' own are set. What remains shared is the
virtual environment (sys.prefix, the tests' own) and the machine-wide folders /usr/local/etc/jupyter,
/etc/jupyter and /usr/share/jupyter, which belong to the machine's administrator, not its user.
"""
import os

# The per-user places, each under the temporary root. JupyterLab's workspaces and settings
# default to folders inside JUPYTER_CONFIG_DIR; they are named too, so that a caller's own value
# of either can never leak through.
PLACES = {
    "HOME": "home",
    "JUPYTER_CONFIG_DIR": "config",
    "JUPYTER_DATA_DIR": "data",
    "JUPYTER_RUNTIME_DIR": "runtime",
    "JUPYTERLAB_WORKSPACES_DIR": "workspaces",
    "JUPYTERLAB_SETTINGS_DIR": "settings",
    "IPYTHONDIR": "ipython",
    "XDG_CONFIG_HOME": "home/.config",
    "XDG_DATA_HOME": "home/.local/share",
    "XDG_CACHE_HOME": "home/.cache",
}


def isolated_environment(base, root, kernelspecs):
    """`base` with every per-user Jupyter place under `root` (created), every JUPYTER_*/JPY_*
    variable of `base` dropped, and JUPYTER_PATH holding only `kernelspecs` (a share/jupyter
    folder, for the kernelspec under test)."""
    env = {k: v for k, v in base.items() if not (k.startswith("JUPYTER") or k.startswith("JPY_"))}
    for variable, folder in PLACES.items():
        env[variable] = os.path.join(root, folder)
        os.makedirs(env[variable], exist_ok=True)
    env["JUPYTER_PATH"] = kernelspecs
    # A user's preference for user folders over the environment's must not reorder the search.
    env["JUPYTER_PREFER_ENV_PATH"] = "1"
    return env


def snapshot(folder):
    """Every file under `folder` with its bytes and modification time, to show it was left alone."""
    seen = {}
    for directory, _, files in os.walk(folder):
        for name in files:
            path = os.path.join(directory, name)
            with open(path, "rb") as f:
                seen[os.path.relpath(path, folder)] = (f.read(), os.stat(path).st_mtime_ns)
    return seen

