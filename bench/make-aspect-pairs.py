"""Writes the pairs of mixed aspects of docs/RESULTS.md ("Photos of other aspects"): 28 scenes of
each of blue_eyes, big_smile and old drawn at 192 px, each centre-cropped (source and truth
alike) to an aspect drawn from six, into OUT/TASK/source and OUT/TASK/target, by way of a
Likewise script. Usage: python3 bench/make-aspect-pairs.py LIKEWISE OUT"""
import os
import random
import subprocess
import sys

likewise, out = sys.argv[1], os.path.abspath(sys.argv[2])
random.seed(7)  # the draw the table was measured on
aspects = [(192, 120), (120, 192), (192, 144), (144, 192), (192, 192), (176, 112)]
lines = []
for task in ["blue_eyes", "big_smile", "old"]:
    lines.append(f'let {task} = synth("{task}", count: 28, size: 192, seed: 11)')
    for i in range(28):
        w, h = random.choice(aspects)
        x, y = (192 - w) // 2, (192 - h) // 2
        for part in ["source", "target"]:
            lines.append(f'save(crop({task}[{i}].{part}, x: {x}, y: {y}, width: {w}, height: {h}), "{out}/{task}/{part}/p{i:02d}.png")')
os.makedirs(out, exist_ok=True)
script = os.path.join(out, "make.lw")
with open(script, "w") as f:
    f.write("\n".join(lines) + "\n")
subprocess.run([likewise, "run", script, "--out", os.path.join(out, "run")], check=True, stdout=subprocess.DEVNULL)
