"""The editor's networks as `torch.nn.Module`s, layer for layer as Likewise builds them — the one
module tree the bridge loads effects into and bench/torch_reference.py times.

Each class names its Swift original (Sources/Models/…). Parameter names are Likewise's own, so an
effect's `model.head.<name>` is this tree's `<name>`; layouts differ (see `effect.py`, which
converts). Modules are NCHW as PyTorch's are; `channels_last` memory is a speed choice of the
caller.
"""

import torch
import torch.nn as nn
import torch.nn.functional as F

# Likewise's presets (Sources/Models/EditorPreset.swift): the working size, the U-Nets' widths
# and group-norm groups, the training batch, the default training length and peak rate.
PRESETS = {
    "tiny": dict(size=32, widths=[8, 16], groups=4, batch=4, steps=300, learning_rate=2e-3),
    "small": dict(size=64, widths=[16, 32, 64, 96], groups=8, batch=8, steps=2000, learning_rate=1e-3),
    "base": dict(size=128, widths=[32, 64, 128, 192], groups=8, batch=8, steps=3000, learning_rate=5e-4),
}


class ResidualBlock(nn.Module):
    """UNet.swift's ResidualBlock: conv3×3, GN, (+ time), SiLU, conv3×3, GN, SiLU, added to the
    input (through a 1×1 conv where the widths differ)."""

    def __init__(self, cin, cout, groups, time_channels=0):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.norm1 = nn.GroupNorm(groups, cout)
        self.time = nn.Linear(time_channels, cout) if time_channels else None
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.norm2 = nn.GroupNorm(groups, cout)
        self.skip = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, embedding=None):
        h = self.norm1(self.conv1(x))
        if self.time is not None:
            h = h + self.time(embedding)[:, :, None, None]
        h = F.silu(self.norm2(self.conv2(F.silu(h))))
        return h + (self.skip(x) if self.skip is not None else x)


class AttentionBlock(nn.Module):
    """UNet.swift's AttentionBlock: GN, single-head self-attention over every position
    (projections without bias, scores scaled by 1/√C), added to the input."""

    def __init__(self, channels, groups):
        super().__init__()
        self.norm = nn.GroupNorm(groups, channels)
        self.query, self.key, self.value, self.output = (nn.Linear(channels, channels, bias=False) for _ in range(4))

    def forward(self, x):
        n, c, h, w = x.shape
        tokens = self.norm(x).flatten(2).transpose(1, 2)
        attended = F.scaled_dot_product_attention(self.query(tokens), self.key(tokens), self.value(tokens))
        return x + self.output(attended).transpose(1, 2).reshape(n, c, h, w)


class TimeEmbedding(nn.Module):
    """TimeEmbedding.swift: sinusoids of 1000·t at geometric frequencies, then linear, SiLU,
    linear. The angles are computed in float64 as Likewise computes them (up to 1000 radians:
    float32 would lose 1e-4 of them)."""

    def __init__(self, features, width):
        super().__init__()
        self.features = features
        self.first, self.second = nn.Linear(features, width), nn.Linear(width, width)

    def forward(self, times):
        half = self.features // 2
        frequencies = torch.pow(10_000.0, -torch.arange(half, dtype=torch.float64) / half)
        angles = 1000 * times.to(torch.float64)[:, None] * frequencies[None]
        sinusoids = torch.cat([angles.sin(), angles.cos()], dim=1).to(self.first.weight.dtype)
        return self.second(F.silu(self.first(sinusoids)))


class UNet(nn.Module):
    """UNet.swift: residual blocks per level, stride-2 convs down, nearest ×2 + conv3×3 up, the
    encoder's features concatenated into the decoder, attention at the lowest level; told a time
    (the denoiser), every block adds its projection of the embedding."""

    def __init__(self, cin, cout, widths, groups, time_channels=0):
        super().__init__()
        self.time = TimeEmbedding((widths[0] + 1) // 2 * 2, time_channels) if time_channels else None
        self.input = nn.Conv2d(cin, widths[0], 3, padding=1)
        self.encoder = nn.ModuleList(ResidualBlock(w, w, groups, time_channels) for w in widths)
        self.downsample = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1) for i in range(len(widths) - 1))
        self.attention = AttentionBlock(widths[-1], groups)
        self.upsample = nn.ModuleList(nn.Conv2d(widths[i + 1], widths[i], 3, padding=1) for i in range(len(widths) - 1))
        self.decoder = nn.ModuleList(ResidualBlock(2 * widths[i], widths[i], groups, time_channels) for i in range(len(widths) - 1))
        self.output = nn.Conv2d(widths[0], cout, 3, padding=1)

    def forward(self, x, times=None):
        embedding = F.silu(self.time(times)) if self.time is not None else None
        h = self.input(x)
        skips = []
        for level, block in enumerate(self.encoder):
            h = block(h, embedding)
            skips.append(h)
            if level < len(self.downsample):
                h = self.downsample[level](h)
        h = self.attention(h)
        for level in reversed(range(len(self.decoder))):
            h = self.upsample[level](F.interpolate(h, scale_factor=2, mode="nearest"))
            h = self.decoder[level](torch.cat([h, skips[level]], dim=1), embedding)
        return self.output(h)


def warp(image, flow):
    """Engine's `warp`: `image` sampled bilinearly at p + flow(p) (pixels), zeros outside."""
    n, _, h, w = image.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=image.dtype, device=image.device),
                            torch.arange(w, dtype=image.dtype, device=image.device), indexing="ij")
    x = (xs + flow[:, 0]) * (2 / w) + (1 / w - 1)
    y = (ys + flow[:, 1]) * (2 / h) + (1 / h - 1)
    return F.grid_sample(image, torch.stack([x, y], dim=-1), mode="bilinear", padding_mode="zeros", align_corners=False)


def correlation(first, second, radius):
    """Engine's `correlation`: at channel (dy + r)(2r + 1) + (dx + r) the channel mean of
    first(p)·second(p + (dx, dy)), zeros outside — PWC-Net's cost volume."""
    _, _, h, w = first.shape
    padded = F.pad(second, [radius] * 4)
    side = 2 * radius + 1
    return torch.cat([(first * padded[:, :, dy:dy + h, dx:dx + w]).mean(dim=1, keepdim=True)
                      for dy in range(side) for dx in range(side)], dim=1)


class FlowNetwork(nn.Module):
    """Mx's flow network (FlowNetwork.swift): a 2× average-pool pyramid while the halves stay
    even and ≥ 4 px, and at each level, coarsest first, the upsampled flow warps the second
    image, and one shared five-layer block given the first image, the warped second, their 5×5
    cost volume and the flow adds a residual. Inputs are `normalise`d images."""

    widths = [32, 32, 32, 16, 2]
    coarsest = 4
    radius = 2

    def __init__(self):
        super().__init__()
        channels = [8 + (2 * self.radius + 1) ** 2] + self.widths
        self.block = nn.ModuleList(nn.Conv2d(channels[i], channels[i + 1], 3, padding=1) for i in range(len(self.widths)))

    @classmethod
    def halves(cls, h, w):
        return min(h, w) // 2 >= cls.coarsest and h % 2 == 0 and w % 2 == 0

    def forward(self, first, second):
        pyramid = [(first, second)]
        while self.halves(*pyramid[-1][0].shape[2:]):
            a, b = pyramid[-1]
            pyramid.append((F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)))
        flow = None
        for a, b in reversed(pyramid):
            n, _, h, w = a.shape
            flow = a.new_zeros(n, 2, h, w) if flow is None else F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False) * 2
            warped = warp(b, flow)
            x = torch.cat([a, warped, correlation(a, warped, self.radius), flow * 0.25], dim=1)
            for layer, conv in enumerate(self.block):
                x = conv(x)
                if layer < len(self.block) - 1:
                    x = F.silu(x)
            flow = flow + x
        return flow


def normalise(images, radius=3, floor=0.02):
    """FlowNetwork.normalised: each channel less its mean over the (2r + 1)² window around each
    pixel (the window cut at the borders), over the window's standard deviation + 0.02 — what the
    flow network reads, so that a change of exposure does not look like motion. In float64, as
    Likewise computes it."""
    x = images.to(torch.float64)
    pool = lambda t: F.avg_pool2d(t, 2 * radius + 1, stride=1, padding=radius, count_include_pad=False)
    mean = pool(x)
    spread = (pool(x * x) - mean * mean).clamp(min=0).sqrt()
    return ((x - mean) / (spread + floor)).to(images.dtype)


class VAE(nn.Module):
    """The paper's VAE as LatentCeiling.swift builds it: encoder to a Gaussian latent, decoder
    with skip features of the conditioning images above the latent's level and learned
    per-channel noise injection; loss L1 + 0.1·frequency + 1e-4·KL."""

    def __init__(self, widths, groups, latent=4, skip_channels=6):
        super().__init__()
        levels = len(widths)
        self.latent = latent
        self.encoder_input = nn.Conv2d(3, widths[0], 3, padding=1)
        self.encoder_blocks = nn.ModuleList(ResidualBlock(w, w, groups) for w in widths)
        self.encoder_down = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1) for i in range(levels - 1))
        self.encoder_output = nn.Conv2d(widths[-1], 2 * latent, 3, padding=1)
        self.skip_input = nn.Conv2d(skip_channels, widths[0], 3, padding=1)
        self.skip_down = nn.ModuleList(nn.Conv2d(widths[i], widths[i + 1], 3, stride=2, padding=1) for i in range(levels - 2))
        self.decoder_input = nn.Conv2d(latent, widths[-1], 3, padding=1)
        self.decoder_blocks = nn.ModuleList(ResidualBlock(2 * w if l < levels - 1 else w, w, groups) for l, w in enumerate(widths))
        self.decoder_up = nn.ModuleList(nn.Conv2d(widths[i + 1], widths[i], 3, padding=1) for i in range(levels - 1))
        self.noise = nn.ParameterList(nn.Parameter(torch.zeros(1, w, 1, 1)) for w in widths)
        self.decoder_output = nn.Conv2d(widths[0], 3, 3, padding=1)

    def encode(self, images):
        h = self.encoder_input(images * 2 - 1)
        for level, block in enumerate(self.encoder_blocks):
            h = block(h)
            if level < len(self.encoder_down):
                h = self.encoder_down[level](h)
        return self.encoder_output(h).split(self.latent, dim=1)

    def decode(self, latent, skip):
        f = F.silu(self.skip_input(skip * 2 - 1))
        features = [f]
        for down in self.skip_down:
            f = F.silu(down(f))
            features.append(f)
        top = len(self.decoder_blocks) - 1
        h = self.decoder_blocks[top](self.decoder_input(latent))
        h = h + torch.randn_like(h) * self.noise[top]
        for level in reversed(range(top)):
            h = self.decoder_up[level](F.interpolate(h, scale_factor=2, mode="nearest"))
            h = self.decoder_blocks[level](torch.cat([h, features[level]], dim=1))
            h = h + torch.randn_like(h) * self.noise[level]
        return (self.decoder_output(h) + 1) * 0.5

    def loss(self, images, skip):
        mean, log_variance = self.encode(images)
        output = self.decode(mean + (log_variance * 0.5).exp() * torch.randn_like(mean), skip)
        kl = ((mean.square() + log_variance.exp() - log_variance - 1) * 0.5).mean()
        return F.l1_loss(output, images) + frequency_loss(output, images) * 0.1 + kl * 1e-4


def frequency_loss(a, b, epsilon=1e-6):
    """Mean |‖DFT(a)‖ − ‖DFT(b)‖| over the 2-D DFT of every channel, magnitudes scaled by 1/√(HW)."""
    scale = 1 / (a.shape[2] * a.shape[3])

    def magnitude(x):
        spectrum = torch.fft.fft2(x)
        return ((spectrum.real.square() + spectrum.imag.square()) * scale + epsilon).sqrt()

    return (magnitude(a) - magnitude(b)).abs().mean()
