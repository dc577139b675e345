"""The translator and the engine papermill loads through the `papermill.engine` entry point.

Importing this module registers the translator under the kernel name and the language name
`likewise`. papermill imports it while it is itself being imported (it loads every engine entry
point then), so this module imports only papermill's submodules, never the package's own
`__init__`-level names.
"""
import math
import re

from papermill.engines import NBClientEngine
from papermill.translators import Translator, papermill_translators

__all__ = ["LikewiseTranslator", "LikewiseEngine"]

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ESCAPES = {"\\": "\\\\", '"': '\\"', "\n": "\\n", "\t": "\\t", "\r": "\\r"}


class LikewiseTranslator(Translator):
    """Python values as Likewise literals."""

    @classmethod
    def translate_escaped_str(cls, str_val):
        text = str(str_val)
        return '"' + "".join(_ESCAPES.get(ch, ch) for ch in text) + '"'

    @classmethod
    def translate_none(cls, val):
        return "nil"

    @classmethod
    def translate_float(cls, val):
        if not math.isfinite(val):
            raise ValueError(f"a Likewise parameter must be a finite number, got {val!r}")
        return repr(val)

    @classmethod
    def translate_list(cls, val):
        return "[" + ", ".join(cls.translate(v) for v in val) + "]"

    @classmethod
    def translate_dict(cls, val):
        raise ValueError(f"the Likewise language has no dictionary literal; pass the values one by one, got {val!r}")

    @classmethod
    def comment(cls, cmt_str):
        return f"// {cmt_str}".strip()

    @classmethod
    def assign(cls, name, str_val):
        if not _NAME.match(name):
            raise ValueError(f"{name!r} is not a Likewise name (a letter or _, then letters, digits or _)")
        return f"let {name} = {str_val}"


class LikewiseEngine(NBClientEngine):
    """papermill's nbclient engine under the name `likewise` (`--engine likewise`)."""


papermill_translators.register("likewise", LikewiseTranslator)
