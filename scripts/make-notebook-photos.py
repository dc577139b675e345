"""Makes Notebooks/data/photos (before/after pairs) and Notebooks/data/photos-new (photos to edit)
from scikit-image's sample photographs (public domain and CC0: see skimage/data/README.txt), with a
warm grade and a gentle vignette drawn by numpy: what notebook 04 learns and applies.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install scikit-image pillow
    /tmp/v/bin/python scripts/make-notebook-photos.py
"""
import os

import numpy as np
import skimage.data as data
from PIL import Image

ROOT = os.path.join(os.path.dirname(__file__), "..", "Notebooks", "data")


def graded(rgb):
    """A warm grade (red up, blue down, shadows lifted) with a vignette darkening the corners."""
    f = rgb.astype(np.float32) / 255
    h, w = f.shape[:2]
    y, x = np.mgrid[0:h, 0:w]
    r = np.hypot((x - w / 2) / (w / 2), (y - h / 2) / (h / 2)) / np.sqrt(2)
    out = f * np.array([1.08, 1.0, 0.86]) + 0.06 * (1 - f.mean(axis=2, keepdims=True))
    out *= (1 - 0.35 * r ** 2)[..., None]
    return (np.clip(out, 0, 1) * 255 + 0.5).astype(np.uint8)


def main():
    rng = np.random.default_rng(4)
    photos = {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea(), "rocket": data.rocket()}
    for sub in ["photos/source", "photos/target", "photos-new"]:
        os.makedirs(os.path.join(ROOT, sub), exist_ok=True)
    for name, photo in photos.items():
        h, w = photo.shape[:2]
        for k in range(3):
            cw, ch = int(rng.integers(160, min(w, 360))), int(rng.integers(140, min(h, 340)))
            x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            crop = np.ascontiguousarray(photo[y0:y0 + ch, x0:x0 + cw, :3])
            Image.fromarray(crop).save(os.path.join(ROOT, "photos/source", f"{name}_{k}.jpg"), quality=88)
            Image.fromarray(graded(crop)).save(os.path.join(ROOT, "photos/target", f"{name}_{k}.jpg"), quality=88)
    # Photos to edit at their own size: one as a camera writes a portrait (EXIF orientation 6:
    # stored on its side, shown upright), one landscape.
    wide = Image.fromarray(data.astronaut()).resize((960, 960)).crop((0, 160, 960, 800))
    wide.save(os.path.join(ROOT, "photos-new", "astronaut.jpg"), quality=88)
    portrait = Image.fromarray(data.coffee()).resize((900, 600))
    exif = Image.Exif()
    exif[0x0112] = 6
    portrait.save(os.path.join(ROOT, "photos-new", "coffee_portrait.jpg"), quality=88, exif=exif.tobytes())


if __name__ == "__main__":
    main()
