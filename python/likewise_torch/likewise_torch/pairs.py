"""A folder of a user's before/after pairs, read as Likewise reads it (Pair.load in Sources/Engine/
Images/Pairs.swift): `source/NAME` with `target/NAME`, or `NAME_src` with `NAME_tgt` side by side,
each PNG or JPEG, in name order; every problem in the folder reported together, one line each."""
import os

from .effect import EffectError
from .images import read_image

EXTENSIONS = (".png", ".jpg", ".jpeg")


class PairFolderError(EffectError):
    """Everything wrong with a folder of pairs."""

    def __init__(self, folder, problems):
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{folder}: {len(problems)} {noun} with these pairs:\n" + "\n".join(f"  - {p}" for p in problems))
        self.problems = problems


def load_pairs(folder, fit=lambda image: image):
    """[(name, source, target)] of the folder, each image `[3, H, W]` in [0, 1] as `fit` makes it
    (default: at its own size) as it is read, so that thousands of photographs are never in
    memory at once at full size."""
    if not os.path.isdir(folder):
        raise PairFolderError(folder, ["no such folder"])
    problems, sources, targets = [], {}, {}

    def images(directory, relative):
        names = sorted(n for n in (os.listdir(directory) if os.path.isdir(directory) else []) if not n.startswith("."))
        found = []
        for name in names:
            if os.path.isdir(os.path.join(directory, name)):
                continue
            if name.lower().endswith(EXTENSIONS):
                found.append(name)
            else:
                problems.append(f"{relative}{name}: not a PNG or JPEG file")
        return found

    stem = lambda name: os.path.splitext(name)[0]
    source_folder, target_folder = os.path.join(folder, "source"), os.path.join(folder, "target")
    if os.path.exists(source_folder) or os.path.exists(target_folder):
        for name in images(source_folder, "source/"):
            sources[stem(name)] = os.path.join(source_folder, name)
        for name in images(target_folder, "target/"):
            targets[stem(name)] = os.path.join(target_folder, name)
    else:
        for name in images(folder, ""):
            base = stem(name)
            if base.lower().endswith("_src"):
                sources[base[:-4]] = os.path.join(folder, name)
            elif base.lower().endswith("_tgt"):
                targets[base[:-4]] = os.path.join(folder, name)
            else:
                problems.append(f"{name}: neither NAME_src nor NAME_tgt (or use source/ and target/ folders)")
    problems += [f"{name}: has a source but no target" for name in sorted(sources) if name not in targets]
    problems += [f"{name}: has a target but no source" for name in sorted(targets) if name not in sources]
    pairs = []
    for name in sorted(sources):
        if name not in targets:
            continue
        try:
            (source, _), (target, _) = read_image(sources[name]), read_image(targets[name])
        except Exception as error:  # Pillow's errors name no file
            problems.append(f"{name}: cannot be read ({error})")
            continue
        if source.shape != target.shape:
            problems.append(f"{name}: source is {source.shape[2]}×{source.shape[1]} but target is {target.shape[2]}×{target.shape[1]}")
            continue
        pairs.append((name, fit(source), fit(target)))
    if not pairs and not problems:
        problems.append("no pairs found: expected source/NAME with target/NAME, or NAME_src with NAME_tgt (each .png, .jpg or .jpeg)")
    if problems:
        raise PairFolderError(folder, problems)
    return pairs
