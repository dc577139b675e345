#!/usr/bin/env python3
"""The editor's networks in PyTorch, layer for layer, timed as `likewise bench train` and
`likewise bench edit` time them: the reference Likewise's speed is measured against.

Each network has the layers, widths, group norms, attention and loss of its Swift original at
the same preset (`head` and `denoiser`: Sources/Models/UNet.swift and TimeEmbedding.swift;
`flow`: FlowNetwork.swift with Engine's warp and correlation; `vae`: VAE.swift, with the skip
features and noise injection of LatentCeiling's configuration). Parameter counts are printed so
that bench/compare.sh can check both sides built the same thing. Inputs are random, as in the
Swift bench; weights keep PyTorch's initialisation (the time does not depend on them).

Run with the same thread count as the Swift side; tensors and modules are channels-last, the
fast layout of PyTorch's CPU convolutions. Prints one JSON object a line.
"""
import argparse
import json
import math
import statistics
import time

import torch
import torch.nn as nn
import torch.nn.functional as F

PRESETS = {
    "tiny": dict(size=32, widths=[8, 16], groups=4, batch=4),
    "small": dict(size=64, widths=[16, 32, 64, 96], groups=8, batch=8),
    "base": dict(size=128, widths=[32, 64, 128, 192], groups=8, batch=8),
}


class ResidualBlock(nn.Module):
    """conv3×3, GN, (+ time), SiLU, conv3×3, GN, SiLU, added to the input (1×1 conv if widths differ)."""

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
    """GN, single-head self-attention over every position (projections without bias), residual."""

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
    """Sinusoids of 1000·t at geometric frequencies, then linear, SiLU, linear."""

    def __init__(self, features, width):
        super().__init__()
        self.features = features
        self.first, self.second = nn.Linear(features, width), nn.Linear(width, width)

    def forward(self, times):
        half = self.features // 2
        frequencies = torch.pow(10_000.0, -torch.arange(half, dtype=torch.float32) / half)
        angles = 1000 * times[:, None] * frequencies[None]
        return self.second(F.silu(self.first(torch.cat([angles.sin(), angles.cos()], dim=1))))


class UNet(nn.Module):
    """The editor's U-Net: residual blocks per level, stride-2 convs down, nearest ×2 + conv3×3
    up, the encoder's features concatenated into the decoder, attention at the lowest level."""

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
    """Samples `image` bilinearly at p + flow(p) (pixels), zeros outside: Engine's `warp`."""
    n, _, h, w = image.shape
    ys, xs = torch.meshgrid(torch.arange(h, dtype=image.dtype), torch.arange(w, dtype=image.dtype), indexing="ij")
    x = (xs + flow[:, 0]) * (2 / w) + (1 / w - 1)
    y = (ys + flow[:, 1]) * (2 / h) + (1 / h - 1)
    return F.grid_sample(image, torch.stack([x, y], dim=-1), mode="bilinear", padding_mode="zeros", align_corners=False)


def correlation(first, second, radius):
    """The channel mean of first(p)·second(p + offset) for every offset within `radius`, zeros
    outside: Engine's `correlation`, as PWC-Net's reference code writes it without a CUDA kernel."""
    _, _, h, w = first.shape
    padded = F.pad(second, [radius] * 4)
    side = 2 * radius + 1
    return torch.cat([(first * padded[:, :, dy:dy + h, dx:dx + w]).mean(dim=1, keepdim=True)
                      for dy in range(side) for dx in range(side)], dim=1)


class FlowNetwork(nn.Module):
    """Mx's flow network: a 2× average-pool pyramid down to ≥ 4 px, and at each level, coarsest
    first, the upsampled flow warps the second image, and one shared five-layer block given the
    first image, the warped second, their 5×5 cost volume and the flow adds a residual."""

    widths = [32, 32, 32, 16, 2]
    radius = 2

    def __init__(self):
        super().__init__()
        channels = [8 + (2 * self.radius + 1) ** 2] + self.widths
        self.block = nn.ModuleList(nn.Conv2d(channels[i], channels[i + 1], 3, padding=1) for i in range(len(self.widths)))

    def forward(self, first, second):
        pyramid = [(first, second)]
        while min(pyramid[-1][0].shape[2:]) // 2 >= 4:
            a, b = pyramid[-1]
            pyramid.append((F.avg_pool2d(a, 2), F.avg_pool2d(b, 2)))
        flow = None
        for a, b in reversed(pyramid):
            n, _, h, w = a.shape
            flow = torch.zeros(n, 2, h, w).contiguous(memory_format=torch.channels_last) if flow is None \
                else F.interpolate(flow, size=(h, w), mode="bilinear", align_corners=False) * 2
            warped = warp(b, flow)
            x = torch.cat([a, warped, correlation(a, warped, self.radius), flow * 0.25], dim=1)
            for layer, conv in enumerate(self.block):
                x = conv(x)
                if layer < len(self.block) - 1:
                    x = F.silu(x)
            flow = flow + x
        return flow


class VAE(nn.Module):
    """The paper's VAE as LatentCeiling builds it: encoder to a Gaussian latent, decoder with skip
    features of the conditioning images above the latent's level and learned per-channel noise
    injection; loss L1 + 0.1·frequency + 1e-4·KL."""

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


def channels_last(x):
    return x.contiguous(memory_format=torch.channels_last)


def make(name, preset, batch):
    """(module, loss(), forward()) for the network `name` on a fixed random batch."""
    side, widths, groups = preset["size"], preset["widths"], preset["groups"]
    images = lambda channels: channels_last(torch.rand(batch, channels, side, side))
    if name in ("head", "denoiser"):
        denoiser = name == "denoiser"
        network = UNet(18 if denoiser else 12, 3, widths, groups, 4 * widths[0] if denoiser else 0)
        x, target = images(18 if denoiser else 12) * 2 - 1, images(3)
        times = torch.rand(batch) if denoiser else None
        criterion = F.mse_loss if denoiser else F.l1_loss
        return network, (lambda: criterion(network(x, times), target)), (lambda: network(x, times))
    if name == "flow":
        network = FlowNetwork()
        first, second = channels_last(torch.randn(batch, 3, side, side)), channels_last(torch.randn(batch, 3, side, side))
        target = channels_last(torch.randn(batch, 2, side, side))
        return network, (lambda: F.l1_loss(network(first, second), target)), (lambda: network(first, second))
    if name == "vae":
        network = VAE(widths[:3], groups)
        target, skip = images(3), images(6)
        return network, (lambda: network.loss(target, skip)), (lambda: network.decode(network.encode(target)[0], skip))
    raise SystemExit(f"unknown network {name!r}")


def median_seconds(runs, body):
    body()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), min(seconds)


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="small", choices=PRESETS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, help="the networks' side (default: the preset's)")
    parser.add_argument("--networks", nargs="*", default=["head", "flow", "vae", "denoiser"])
    parser.add_argument("--edit", action="store_true", help="also time the forward passes an edit makes (refs 1 and 4; 0 and 10 DDIM steps)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    preset = dict(PRESETS[args.preset])
    if args.size:
        preset["size"] = args.size
    common = dict(preset=args.preset, batch=preset["batch"], size=preset["size"], threads=torch.get_num_threads(), torch=torch.__version__)

    for name in args.networks:
        network, loss, forward = make(name, preset, preset["batch"])
        network = network.to(memory_format=torch.channels_last)
        optimizer = torch.optim.AdamW(network.parameters(), lr=1e-4, weight_decay=1e-4)

        def step():
            optimizer.zero_grad(set_to_none=False)
            loss().backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()

        seconds, fastest = median_seconds(args.runs, step)
        with torch.inference_mode():
            forward_seconds, _ = median_seconds(args.runs, forward)
        emit(op="train_step", network=name, **common, parameters=sum(p.numel() for p in network.parameters()),
             seconds=seconds, fastest_seconds=fastest, forward_seconds=forward_seconds)

    if args.edit:
        with torch.inference_mode():
            for refs in (1, 4):
                timed = {}
                for name, batch in (("flow", 1), ("head", refs), ("denoiser", refs)):
                    network, _, forward = make(name, preset, batch)
                    network.to(memory_format=torch.channels_last)
                    timed[name], _ = median_seconds(args.runs, forward)
                for ddim in (0, 10):
                    emit(op="edit", preset=args.preset, refs=refs, ddim_steps=ddim, threads=torch.get_num_threads(), torch=torch.__version__,
                         networks_seconds=refs * timed["flow"] + timed["head"] + ddim * timed["denoiser"],
                         flow_seconds=timed["flow"], head_seconds=timed["head"], denoiser_seconds=timed["denoiser"])


if __name__ == "__main__":
    main()
