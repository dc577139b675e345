"""The diffusion refiner's sampling as Likewise runs it (DiffusionRefiner.sample, NoiseSchedule
in Sources/Models/Diffusion.swift): DDIM from seeded noise over the cosine schedule, the
denoiser predicting x̂₀ of the head's residual scaled by 8, and η's fresh noise — with Likewise's
own random stream (SplitMix64, Box–Muller; RandomGenerator.swift), so that a seed gives the
same edit here as there."""
import math

import numpy as np
import torch

RESIDUAL_SCALE = 8.0
SCHEDULE_OFFSET = 0.008
GAMMA = np.uint64(0x9E3779B97F4A7C15)


class RandomStream:
    """Likewise's RandomGenerator: SplitMix64, whose draw k mixes state + k·γ."""

    def __init__(self, seed):
        self.state = np.uint64(seed) + GAMMA

    def draws(self, count):
        """The next `count` 64-bit draws."""
        with np.errstate(over="ignore"):
            z = self.state + np.arange(1, count + 1, dtype=np.uint64) * GAMMA
            self.state = self.state + np.uint64(count) * GAMMA
            z = (z ^ (z >> np.uint64(30))) * np.uint64(0xBF58476D1CE4E5B9)
            z = (z ^ (z >> np.uint64(27))) * np.uint64(0x94D049BB133111EB)
            return z ^ (z >> np.uint64(31))

    def normal(self, shape):
        """Standard normals (two draws each, Box–Muller's cosine half) in `shape`'s row-major order,
        in float64 with the C library's log and cos as Likewise computes them, then float32."""
        count = math.prod(shape)
        bits = (self.draws(2 * count) >> np.uint64(11)).astype(np.float64) * 2.0 ** -53
        values = [math.sqrt(-2 * math.log(max(u1, 1e-300))) * math.cos(2 * math.pi * u2)
                  for u1, u2 in zip(bits[0::2].tolist(), bits[1::2].tolist())]
        return torch.tensor(values, dtype=torch.float32).reshape(shape)


def coefficients(t):
    """(α, σ) of the cosine schedule at t ∈ [0, 1]: ᾱ = f(t)/f(0), f(t) = cos²((t + s)/(1 + s)·π/2)."""
    f = lambda t: math.cos((t + SCHEDULE_OFFSET) / (1 + SCHEDULE_OFFSET) * math.pi / 2) ** 2
    alpha_bar = min(max(f(t) / f(0), 0), 1)
    return math.sqrt(alpha_bar), math.sqrt(1 - alpha_bar)


def sample(denoiser, condition, steps, eta=0.0, seed=0):
    """The residual (NCHW, 3 channels) DDIM samples in `steps` steps for each item of `condition`
    (the head's input and its prediction, centred), from noise drawn from `seed`."""
    n, _, h, w = condition.shape
    if steps == 0:
        return condition.new_zeros(n, 3, h, w)
    stream = RandomStream(seed)
    z = stream.normal((n, h, w, 3)).permute(0, 3, 1, 2)  # drawn in Likewise's NHWC order
    for step in range(1, steps + 1):
        t, s = (steps - step + 1) / steps, (steps - step) / steps
        (alpha_t, sigma_t), (alpha_s, sigma_s) = coefficients(t), coefficients(s)
        times = torch.full((n,), t, dtype=torch.float32)
        x0 = denoiser(torch.cat([z, condition], dim=1), times).clamp(-RESIDUAL_SCALE, RESIDUAL_SCALE)
        if not torch.isfinite(x0).all():
            raise ValueError(f"the sample stopped being finite at DDIM step {step} of {steps}")
        if step == steps:
            z = x0
            break
        epsilon = (z - x0 * np.float32(alpha_t)) / np.float32(max(sigma_t, 1e-8))
        fresh = eta * (sigma_s / max(sigma_t, 1e-12)) * math.sqrt(1 - alpha_t * alpha_t / max(alpha_s * alpha_s, 1e-12))
        z = x0 * np.float32(alpha_s) + epsilon * np.float32(math.sqrt(max(sigma_s * sigma_s - fresh * fresh, 0)))
        if fresh > 0:
            z = z + stream.normal((n, h, w, 3)).permute(0, 3, 1, 2) * np.float32(fresh)
    return z / RESIDUAL_SCALE
