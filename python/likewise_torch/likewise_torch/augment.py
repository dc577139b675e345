"""A training case's augmentation, as Likewise draws and applies it (Sources/Models/Augmentation.swift):
one draw per case — a horizontal flip half the time, a zoom-in crop of up to 1.15× with its centre
jittered, a joint colour jitter (brightness ±0.05, contrast ±0.1, per-channel gain ±0.05) — applied
alike to every image of the case, so what changes between x_i and x_j, and between x and y, is
untouched; Mx's channels are made to describe the augmented images (the flow scaled and mirrored,
each colour map conjugated by the jitter). Images `[C, H, W]`."""
from dataclasses import dataclass

import torch

from .mx import IDENTITY


@dataclass(frozen=True)
class Augmentation:
    flip: bool = False
    scale: float = 1.0  # ≥ 1: the crop's side is 1/scale of the image's
    offset_x: float = 0.0  # the crop centre's offset, a fraction of the room the crop leaves
    offset_y: float = 0.0
    brightness: float = 0.0
    contrast: float = 1.0
    gains: tuple = (1.0, 1.0, 1.0)

    @classmethod
    def random(cls, rng, max_scale=1.15, colour=0.1):
        """A draw from `rng` (a `random.Random`), in Likewise's order and ranges."""
        uniform = rng.uniform
        return cls(flip=rng.random() < 0.5, scale=1 + uniform(0, max(max_scale - 1, 0)),
                   offset_x=uniform(-1, 1), offset_y=uniform(-1, 1), brightness=uniform(-colour / 2, colour / 2),
                   contrast=1 + uniform(-colour, colour), gains=tuple(1 + uniform(-colour, colour) / 2 for _ in range(3)))

    def resampled(self, values):
        """`values` cropped and flipped: each output pixel sampled bilinearly where the crop puts
        it, the border repeated outside."""
        _, h, w = values.shape
        side = 1 / self.scale
        cx, cy = 0.5 + self.offset_x * (1 - side) / 2, 0.5 + self.offset_y * (1 - side) / 2
        u = (torch.arange(w, dtype=torch.float32, device=values.device) + 0.5) / w
        if self.flip:
            u = 1 - u
        v = (torch.arange(h, dtype=torch.float32, device=values.device) + 0.5) / h
        sx = ((cx + (u - 0.5) * side) * w - 0.5).clamp(0, w - 1)
        sy = ((cy + (v - 0.5) * side) * h - 0.5).clamp(0, h - 1)
        x0, y0 = sx.long(), sy.long()
        x1, y1 = (x0 + 1).clamp(max=w - 1), (y0 + 1).clamp(max=h - 1)
        fx, fy = sx - x0, sy - y0
        rows = lambda y: values[:, y]
        top, bottom = rows(y0), rows(y1)
        top = top[:, :, x0] + fx * (top[:, :, x1] - top[:, :, x0])
        bottom = bottom[:, :, x0] + fx * (bottom[:, :, x1] - bottom[:, :, x0])
        return top + fy[:, None] * (bottom - top)

    def image(self, image):
        """`image` (`[3, H, W]`) cropped, flipped and recoloured, clamped to [0, 1]."""
        gains = torch.tensor(self.gains, dtype=image.dtype, device=image.device)[:, None, None]
        return (((self.resampled(image) - 0.5) * self.contrast + 0.5 + self.brightness) * gains).clamp(0, 1)

    def transformation(self, channels):
        """Mx's channels (`[14, H, W]`) made to describe the augmented images: resampled as
        they are, the flow scaled with the zoom and mirrored with the flip, and each pixel's
        colour map C conjugated by the jitter J — J∘C∘J⁻¹ maps jittered colours as C mapped the
        originals. With J(v) = d·v + e per channel, the conjugate of v ↦ M·v + t is
        v ↦ D M D⁻¹ v + D t + e − D M D⁻¹ e."""
        values = self.resampled(channels)
        flow = values[:2] * torch.tensor([-self.scale if self.flip else self.scale, self.scale], device=values.device)[:, None, None]
        gains = torch.tensor(self.gains, dtype=values.dtype, device=values.device)
        d = self.contrast * gains
        e = gains * (0.5 - 0.5 * self.contrast + self.brightness)
        maps = values[2:].reshape(3, 4, *values.shape[1:])
        identity = torch.tensor(IDENTITY, dtype=values.dtype, device=values.device).reshape(3, 4)
        matrix = maps[:, :3] + identity[:, :3, None, None]
        conjugated = d[:, None, None, None] * matrix / d[None, :, None, None]
        offset = d[:, None, None] * maps[:, 3] + e[:, None, None] - (conjugated * e[None, :, None, None]).sum(1)
        colour = torch.cat([conjugated - identity[:, :3, None, None], offset[:, None]], 1)
        return torch.cat([flow, colour.reshape(12, *values.shape[1:])])
