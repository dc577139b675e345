"""Checks that every `likewise … --help` is wrapped by the argument parser alone: a line of prose
that ends mid-sentence although the next word would have fitted in the 79 columns the parser fills was hard-wrapped
in the source, then wrapped again by the parser — it breaks mid-sentence (#32).
Usage: help_lines.py LIKEWISE; prints each such break and exits 1 if there is one."""
import os
import re
import subprocess
import sys

binary = sys.argv[1]
env = dict(os.environ, COLUMNS="80")


def help_of(command):
    return subprocess.run([binary, *command, "--help"], capture_output=True, text=True, env=env).stdout


def subcommands(text):
    return re.findall(r"^  ([a-z-]+) ", text.split("SUBCOMMANDS:")[1], re.M) if "SUBCOMMANDS:" in text else []


commands = [[]] + [[name] for name in subcommands(help_of([]))]
commands += [["bench", name] for name in subcommands(help_of(["bench"]))]
breaks = []
for command in commands:
    lines = help_of(command).split("\n")
    prose = lines[: next((i for i, line in enumerate(lines) if line.startswith("USAGE:")), len(lines))]
    for line, following in zip(prose, prose[1:]):
        if line and following and not line.startswith(" ") and not following.startswith(" ") \
                and len(line) + 1 + len(following.split()[0]) < 80 and not re.search(r"[.:;!?…]$", line):
            breaks.append(f"likewise {' '.join(command)} --help: {line!r} / {following[:30]!r}…")
print("\n".join(breaks))
print(f"{len(commands)} commands' help read, {len(breaks)} mid-sentence breaks")
sys.exit(1 if breaks or len(commands) < 10 else 0)
