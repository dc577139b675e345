"""What an effect minimises in training, as Likewise computes it (Sources/Models/EditorObjective.swift,
Diffusion.swift, FlowTraining.swift): the head's prediction of y_j against y_j under the edit
region's balanced weights — L1, plus 4× the squared error, plus 0.1× the frequency loss — and with
diffusion the refiner's loss on the head's residual; end to end, each case's reference carried
through the flow network and the colour fit in the step, and 0.05× the flows' photometric loss.

One `nn.Module` whose forward is the loss, so that `DistributedDataParallel` wraps the whole of it.
"""
import torch
import torch.nn as nn
import torch.nn.functional as F

from . import diffusion, mx
from .edit import head_input, prediction as head_prediction
from .networks import frequency_loss, normalise, warp

PHOTOMETRIC_WEIGHT = 0.05  # Editor.photometricWeight
REFINER_WEIGHT_CAP = 6.0  # the refiner's per-item weight min(1/σ², 6)


def weighted_l1(a, b, weights):
    return ((a - b).abs() * weights).mean()


def weighted_mse(a, b, weights):
    return ((a - b).square() * weights).mean()


def photometric_loss(first, second, flow, smoothness=0.1):
    """The flow's unsupervised loss (FlowNetwork.photometricLoss): the Charbonnier difference of
    `first` and `second` warped by `flow` where the flow lands inside, plus `smoothness` × the
    flow's forward differences weighted by exp(−|the first image's|)."""
    inside = mx.flow_lands_inside(flow)[:, None]
    difference = first - warp(second, flow)
    loss = ((difference.square() + 1e-4).sqrt() * inside).mean()
    for dy, dx in ((0, 1), (1, 0)):
        _, _, h, w = flow.shape
        gradient = flow[:, :, dy:, dx:] - flow[:, :, :h - dy, :w - dx]
        edges = torch.exp(-(first[:, :, dy:, dx:] - first[:, :, :h - dy, :w - dx]).abs().mean(1, keepdim=True)).detach()
        loss = loss + (gradient.abs() * edges).mean() * smoothness
    return loss


class Objective(nn.Module):
    """The effect's networks in training — `head`, `denoiser` (with diffusion) and, end to end,
    `flow` — and its loss on a batch of `Cases`."""

    def __init__(self, effect):
        super().__init__()
        self.effect = [effect]  # a list, so the effect is not a submodule twice over
        self.head, self.denoiser = effect.head, effect.denoiser
        self.flow = effect.flow if effect.design.get("end_to_end") else None

    def references(self, batch):
        """The batch's references as the head reads them, per item (source, target, channels),
        and the photometric loss when they are carried in the step."""
        sources, targets, channels = batch["reference_source"], batch["reference_target"], batch["channels"]
        if self.flow is None:
            items = zip(sources, targets, channels if channels is not None else [None] * len(sources))
            return list(items), None
        frames = batch["x"]
        flows, grids = mx.transformations(self.flow, sources, frames)
        carried_sources, carried_targets = mx.carried(flows, grids, sources), mx.carried(flows, grids, targets)
        transform = mx.channels(flows, grids) if self.effect[0].design.get("transform_channels") else [None] * len(frames)
        photometric = photometric_loss(normalise(frames), normalise(sources), flows)
        return list(zip(carried_sources, carried_targets, transform)), photometric

    def forward(self, batch):
        effect, x, y, weights = self.effect[0], batch["x"], batch["y"], batch["weights"]
        references, photometric = self.references(batch) if "reference_source" in batch else ([None] * len(x), None)
        inputs, bases = zip(*(head_input(effect, item, reference) for item, reference in zip(x, references)))
        inputs, bases = torch.stack(inputs), torch.stack(bases)
        prediction = head_prediction(effect, self.head(inputs), bases)
        # L1 alone stalls on a small edit; the squared term starts learning at once (Likewise's
        # EditorObjective says why), and the frequency loss keeps detail.
        loss = weighted_l1(prediction, y, weights) + weighted_mse(prediction, y, weights) * 4 + frequency_loss(prediction, y) * 0.1
        if photometric is not None:
            loss = loss + photometric * PHOTOMETRIC_WEIGHT
        if self.denoiser is None:
            return loss
        guess = prediction.detach()
        return loss + self.refiner_loss(y - guess, torch.cat([inputs, guess * 2 - 1], 1), weights, batch["times"], batch["noise"])

    def refiner_loss(self, residual, condition, weights, times, noise):
        """DiffusionRefiner.loss: the residual scaled ×8 and noised to each item's time, the
        denoiser's x̂₀ against it, weighted per item by min(1/σ², 6) and per pixel half evenly,
        half by the edit region's weights."""
        coefficients = [diffusion.coefficients(float(t)) for t in times]
        alpha = torch.tensor([a for a, _ in coefficients], dtype=residual.dtype, device=residual.device)[:, None, None, None]
        sigma = torch.tensor([s for _, s in coefficients], dtype=residual.dtype, device=residual.device)[:, None, None, None]
        per_item = torch.tensor([min(1 / max(s * s, 1e-12), REFINER_WEIGHT_CAP) for _, s in coefficients],
                                dtype=residual.dtype, device=residual.device)[:, None, None, None]
        x0 = residual * diffusion.RESIDUAL_SCALE
        predicted = self.denoiser(torch.cat([alpha * x0 + sigma * noise, condition], 1), times)
        return weighted_mse(predicted, x0, (weights + 1) * 0.5 * per_item)
