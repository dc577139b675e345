"""papermill support for Likewise notebooks.

papermill writes the cell of injected parameters in the notebook's language and knows only its
built-in languages. This package teaches it the Likewise language: strings, numbers, booleans,
None and lists become `let name = value` lines under a `// Parameters` comment, so
`papermill in.ipynb out.ipynb -p task old` works on a Likewise notebook with no extra flag.
papermill has no entry-point group for translators, so the package registers an engine,
`likewise` (papermill's nbclient engine under that name), whose module registers the translator
when papermill loads it.
"""
# papermill loads every engine entry point (among them .plugin) when it is first imported: import
# it first, so that .plugin is never half-imported when papermill asks it for its engine.
import papermill  # noqa: F401

from .plugin import LikewiseEngine, LikewiseTranslator

__all__ = ["LikewiseEngine", "LikewiseTranslator"]
