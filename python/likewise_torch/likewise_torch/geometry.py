"""Likewise's image geometry (Sources/Engine/Images/Geometry.swift): the resize every working view
and thumbnail goes through, the letterbox of the `pad` view, and the views themselves. Images
are `[3, H, W]` float32."""
import math

import torch


def resampling_matrix(input, output):
    """`[output, input]` weights along one axis: area averaging where it shrinks (every input
    pixel counts), bilinear with pixel centres aligned where it grows (the identity at one size)."""
    m = torch.zeros(output, input, dtype=torch.float32)
    scale = input / output
    if output < input:
        for o in range(output):
            start = o * scale
            end = start + scale
            for i in range(int(start), min(math.ceil(end), input)):
                overlap = min(end, i + 1) - max(start, i)
                if overlap > 0:
                    m[o, i] = overlap / scale
    else:
        for o in range(output):
            s = max((o + 0.5) * scale - 0.5, 0)
            i0 = min(int(s), input - 1)
            t = float(torch.tensor(s - i0, dtype=torch.float32))
            m[o, i0] += 1 - t
            if t != 0:
                m[o, min(i0 + 1, input - 1)] += t
    return m


def resized(image, width, height):
    """`image` at width × height (horizontal pass, then vertical), clamped to [0, 1] as Likewise
    clamps a resize (an area's weights add up to 1 only within a few ulps)."""
    _, h, w = image.shape
    wide = torch.einsum("chw,xw->chx", image, resampling_matrix(w, width))
    return torch.einsum("chx,yh->cyx", wide, resampling_matrix(h, height)).clamp(0, 1)


def letterboxed(image, side):
    """The image scaled, its aspect kept, so that its longer side is `side`, centred in a
    side × side square whose rest repeats its edge pixels; and the region (x, y, w, h) it fills."""
    _, height, width = image.shape
    scale = side / max(width, height)
    w = min(side, max(1, math.floor(width * scale + 0.5)))
    h = min(side, max(1, math.floor(height * scale + 0.5)))
    content = image if (w, h) == (width, height) else resized(image, w, h)
    left, top = (side - w) // 2, (side - h) // 2
    if w >= side and h >= side:
        return content, (0, 0, side, side)
    ys = (torch.arange(side) - top).clamp(0, h - 1)
    xs = (torch.arange(side) - left).clamp(0, w - 1)
    return content[:, ys][:, :, xs], (left, top, w, h)


def fitted(image, side, view):
    """`image` as the networks see it in a side × side square under `view` (`squeeze`: scaled
    whole; `pad`: letterboxed), and the region of the square that shows it."""
    _, h, w = image.shape
    if (w, h) == (side, side):
        return image, (0, 0, side, side)
    if view == "squeeze":
        return resized(image, side, side), (0, 0, side, side)
    if view == "pad":
        return letterboxed(image, side)
    raise ValueError(f"unknown view {view!r}: the views are squeeze, pad")
