"""Image files as Likewise reads and writes them (Sources/Engine/Images/ImageFile.swift): PNG and
JPEG through Pillow, turned upright by their EXIF orientation, samples in [0, 1] (8 or 16 bits),
written as 8-bit with Likewise's rounding and the source's ICC profile kept, so an edited photo's
colours mean what they meant."""
import numpy as np
import torch
from PIL import Image, ImageOps


def read_image(path):
    """(`[3, H, W]` float32 in [0, 1], the ICC profile or None) of the PNG or JPEG at `path`."""
    with Image.open(path) as opened:
        image = ImageOps.exif_transpose(opened)
        profile = opened.info.get("icc_profile")
        if image.mode in ("I;16", "I;16B", "I;16L", "I"):
            grey = np.asarray(image, dtype=np.float64) / 65535
            samples = np.repeat(grey[..., None], 3, axis=2)
        else:
            samples = np.asarray(image.convert("RGB"), dtype=np.float64) / 255
    return torch.from_numpy(samples.astype(np.float32)).permute(2, 0, 1).contiguous(), profile


def eight_bit(image):
    """`[H, W, 3]` bytes of an image in [0, 1], rounded as Likewise rounds (NaN → 0)."""
    values = torch.nan_to_num(image, nan=0.0).clamp(0, 1).permute(1, 2, 0).numpy()
    return (values * 255 + 0.5).astype(np.uint8)


def write_image(image, path, profile=None, quality=95):
    """Writes `image` (`[3, H, W]` in [0, 1]) as a PNG, or a JPEG when `path` ends in .jpg or .jpeg."""
    picture = Image.fromarray(eight_bit(image), "RGB")
    options = {"icc_profile": profile} if profile else {}
    if str(path).lower().endswith((".jpg", ".jpeg")):
        picture.save(path, quality=quality, **options)
    else:
        picture.save(path, **options)
