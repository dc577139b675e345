"""An effect's edit, as Likewise makes it (Editor.edit in Sources/Models/Editor.swift): the image
fitted to the working size by the design's view, the training pairs whose sources look most like
it chosen as references, the networks' edit there — for the n-to-n pairings each reference
carried into x's frame by Mx, the head's prediction per reference, fused per pixel by how well
each carried source matches x; for the direct pairings the head on x alone — and the lift that
brings it back at the image's own size; with diffusion, the refiner's DDIM sample of the head's
residual added before the fusion.
"""
import torch

from . import diffusion, geometry, mx
from .effect import N_TO_N, EffectError
from .lift import lifted

FUSION_SCALE = 0.05  # a reference's weight at a pixel: exp(−|carried source − x| / 0.05)


def head_input(effect, x, reference):
    """The head's input `[C, S, S]` and what its output is added to (PairingConditioning.swift),
    for x and, for the n-to-n pairings, a carried reference (source, target, Mx channels or None)."""
    design = effect.design
    pairing = design["pairing"]
    if pairing == "pix2pix":
        return x * 2 - 1, torch.zeros_like(x)
    if pairing == "one2one":
        return x * 2 - 1, x
    source, target, transform = reference
    if design.get("ablation") == "no-xj":
        images, base = [target], target
    elif pairing == "implicit":
        images, base = [x, source, target], x
    else:  # structural starts from the reference's edit carried onto x; combined between x and it
        carried_edit = x + target - source
        images = [x, carried_edit, source, target]
        base = torch.cat([x, carried_edit]) if pairing == "combined" else carried_edit
    centred = torch.cat(images) * 2 - 1
    return (centred if transform is None else torch.cat([centred, transform])), base


def carried(effect, i, x):
    """Training pair i's source and target carried into x's frame (as they are under the
    `no-flow-colour` ablation), with Mx's channels when the head reads them."""
    design = effect.design
    source, target = effect.sources[i], effect.targets[i]
    if design.get("ablation") == "no-flow-colour":
        return source, target, None
    if effect.flow is None:
        raise EffectError(f"{effect.path}: its flow is {design.get('flow')!r}; the bridge runs the learned flow network only")
    flows, grids = mx.transformations(effect.flow, source[None], x[None])
    return (mx.carried(flows, grids, source[None])[0], mx.carried(flows, grids, target[None])[0],
            mx.channels(flows, grids)[0] if design.get("transform_channels") else None)


def fusion_weights(carried_sources, x):
    """`[R, S, S]`: each reference's share of each pixel, exp(−mean |carried source − x| / 0.05)
    normalised over the references."""
    error = torch.stack([(s - x).abs().sum(0) / 3 for s in carried_sources])
    weights = torch.exp(-error / FUSION_SCALE)
    return weights / weights.sum(0).clamp(min=1e-12)


def prediction(effect, output, bases):
    """The head's `output` made a prediction from where it starts (PredictionStart in
    PairingConditioning.swift): added to `bases`; combined's bases are x and the carried edit, and
    its output's fourth channel is a trust t = σ(·) in the carried edit: (1 − t)·x + t·carried
    plus the output's first three channels."""
    if effect.design["pairing"] != "combined":
        return output + bases
    direct, carried_edit, trust = bases[:, :3], bases[:, 3:], torch.sigmoid(output[:, 3:4])
    return direct + trust * (carried_edit - direct) + output[:, :3]


def predict(effect, inputs, bases, steps, eta, seed):
    """The head's prediction for a batch of inputs and bases, plus the refiner's DDIM residual
    when `steps` > 0."""
    predicted = prediction(effect, effect.head(inputs), bases)
    if steps == 0:
        return predicted
    if effect.denoiser is None:
        raise EffectError(f"steps: {steps} needs an effect with diffusion; this one is regression only")
    condition = torch.cat([inputs, predicted * 2 - 1], dim=1)
    return predicted + diffusion.sample(effect.denoiser, condition, steps, eta, seed)


def sampling_steps(effect, steps):
    """`steps`, or the effect's default: 10 DDIM steps with diffusion, the head alone without."""
    steps = (10 if effect.denoiser is not None else 0) if steps is None else steps
    if not 0 <= steps <= 100:
        raise EffectError(f"steps must be 0…100, got {steps}")
    return steps


@torch.no_grad()
def networks_edit(effect, x, references=(), steps=None, eta=0.0, seed=0):
    """x (`[3, S, S]` in [0, 1], at the working size) edited with the training pairs
    `references` (indices) for the n-to-n pairings, clamped to [0, 1]; `steps` DDIM steps of the
    refiner (default: the effect's, 10 with diffusion), η and the noise's seed as in Likewise."""
    steps = sampling_steps(effect, steps)
    if not 0 <= eta <= 1:
        raise EffectError(f"eta must be 0…1, got {eta}")
    size = effect.design.get("size") or effect.sources.shape[-1]
    if tuple(x.shape) != (3, size, size):
        raise EffectError(f"the working-size edit takes an image [3, {size}, {size}], got {list(x.shape)}")
    if effect.design["pairing"] not in N_TO_N:
        inputs, base = head_input(effect, x, None)
        return predict(effect, inputs[None], base[None], steps, eta, seed)[0].clamp(0, 1)
    if not references:
        raise EffectError(f"a {effect.design['pairing']} effect's edit needs at least one reference")
    if not all(0 <= i < len(effect.sources) for i in references):
        raise EffectError(f"references must be pair indices 0..<{len(effect.sources)}, got {list(references)}")
    items = [carried(effect, i, x) for i in references]
    inputs, bases = zip(*(head_input(effect, x, item) for item in items))
    predictions = predict(effect, torch.stack(inputs), torch.stack(bases), steps, eta, seed)
    weights = fusion_weights([item[0] for item in items], x)
    return (weights[:, None] * predictions).sum(0).clamp(0, 1)


def nearest(effect, x, count):
    """The `count` training pairs whose sources are nearest to x (at the working size): the
    squared difference of 16×16 thumbnails, nearest first."""
    probe = geometry.resized(x, 16, 16)
    distances = [((geometry.resized(source, 16, 16) - probe) ** 2).sum().item() for source in effect.sources]
    return sorted(range(len(distances)), key=distances.__getitem__)[:count]


@torch.no_grad()
def edit(effect, image, references=1, lift=None, steps=None, eta=0.0, seed=0):
    """`image` (`[3, H, W]` in [0, 1], any size) edited by the effect, at its own size, and the
    training pairs it used as references (none for the direct pairings). `lift` (upsample,
    detail, grid, residual, adaptive) defaults to the effect's own; `steps`, `eta` and `seed` are
    the refiner's sampling (see `networks_edit`)."""
    if not 1 <= references <= 64:
        raise EffectError(f"references must be 1…64, got {references}")
    design = effect.design
    size = design.get("size") or effect.sources.shape[-1]
    low, (left, top, width, height) = geometry.fitted(image, size, design.get("view", "squeeze"))
    carries = design["pairing"] in N_TO_N
    chosen = nearest(effect, low, min(references, len(effect.sources))) if carries else []
    square = networks_edit(effect, low, chosen, steps, eta, seed)
    if (width, height) != (size, size):
        square, low = square[:, top:top + height, left:left + width], low[:, top:top + height, left:left + width]
    return lifted(lift or design.get("lift", "adaptive"), square, low, image), chosen
