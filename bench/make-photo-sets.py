"""Writes the real-photograph pair sets of docs/RESULTS.md's suggest simulation: 40 crops (120-360
px a side, of mixed aspects) of eight of scikit-image's colour photographs, each as a source and,
drawn by numpy, its edit, into OUT/SET/source and OUT/SET/target:

- recolour: reds and oranges turned teal, in proportion to how red and how saturated a pixel is;
  the rest kept. Crops hold anywhere from none of the edited colour (the edit is the identity
  there) to most of it (the cat, the motorcycle, the retina): which pair a user edits next
  should matter here if it matters anywhere.
- grade: a warm grade with lifted shadows over the whole photo (notebook 04's, without the
  vignette): every crop teaches about the same.

    python3 -m venv /tmp/v && /tmp/v/bin/pip install scikit-image pillow
    /tmp/v/bin/python bench/make-photo-sets.py OUT
"""
import os
import sys

import numpy as np
import skimage.data as data
from PIL import Image
from skimage.color import hsv2rgb, rgb2hsv


def recoloured(f):
    """Hue turned half a circle where the pixel is red to orange (hue within 0.1 of 0.03),
    weighted by that closeness and by saturation, so edges blend."""
    hsv = rgb2hsv(f)
    hue = hsv[..., 0]
    near = np.clip(1 - np.abs(((hue - 0.03 + 0.5) % 1) - 0.5) / 0.1, 0, 1)
    weight = near * np.clip((hsv[..., 1] - 0.2) / 0.3, 0, 1)
    turned = hsv.copy()
    turned[..., 0] = (hue + 0.5 * weight) % 1
    return hsv2rgb(turned)


def graded(f):
    """Red up, blue down, shadows lifted."""
    return f * np.array([1.08, 1.0, 0.86]) + 0.06 * (1 - f.mean(axis=2, keepdims=True))


def photos():
    motorcycle = data.stereo_motorcycle()[0]
    return {"astronaut": data.astronaut(), "coffee": data.coffee(), "chelsea": data.chelsea(), "rocket": data.rocket(),
            "motorcycle": motorcycle, "immunohistochemistry": data.immunohistochemistry(), "retina": data.retina(),
            "hubble": data.hubble_deep_field()}


def main():
    out = os.path.abspath(sys.argv[1])
    rng = np.random.default_rng(35)
    crops = []
    for name, photo in photos().items():
        photo = photo[..., :3]
        h, w = photo.shape[:2]
        for k in range(5):
            cw, ch = int(rng.integers(120, min(w, 360))), int(rng.integers(120, min(h, 360)))
            x0, y0 = int(rng.integers(0, w - cw + 1)), int(rng.integers(0, h - ch + 1))
            crops.append((f"{name}_{k}", np.ascontiguousarray(photo[y0:y0 + ch, x0:x0 + cw])))
    for edit_name, edit in [("recolour", recoloured), ("grade", graded)]:
        for part in ["source", "target"]:
            os.makedirs(os.path.join(out, edit_name, part), exist_ok=True)
        for name, crop in crops:
            f = crop.astype(np.float64) / 255
            y = (np.clip(edit(f), 0, 1) * 255 + 0.5).astype(np.uint8)
            Image.fromarray(crop).save(os.path.join(out, edit_name, "source", f"{name}.png"))
            Image.fromarray(y).save(os.path.join(out, edit_name, "target", f"{name}.png"))


if __name__ == "__main__":
    main()
