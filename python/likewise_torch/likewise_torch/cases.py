"""The training cases of an effect, as Likewise draws them (Sources/Models/PairSampler.swift,
EditorCaseBank.swift, EditorObjective.swift): every ordered (reference i, target j), i ≠ j, of
the N pairs — N·(N−1) cases — in epochs shuffled from the seed; each case's reference carried into
x_j's frame by Mx (once, and kept; end to end, in the step); every image of a case augmented
alike; and the edit region's balanced loss weights.

Under `torchrun` each process takes its share of every epoch — process r of W the positions
r, r + W, r + 2W, … of the shuffled order, the last cases of an epoch that do not fill a round
left out (DistributedSampler's drop_last) — so the processes see different cases, and together
every case an epoch. Where a process stands is a function of the step alone, and so are its
augmentations and diffusion draws: a run resumed from a checkpoint draws what the uninterrupted
run would have drawn.
"""
import random

import torch
import torch.nn.functional as F

from . import mx
from .augment import Augmentation
from .effect import N_TO_N, EffectError

def hash_seed(text):
    """A 63-bit seed from `text`, the same in every process and every run."""
    return random.Random(text).getrandbits(63)


REGION_THRESHOLD = 0.02  # a pixel is edited where some channel changes by more than this
REGION_DILATION = 2  # and the region grows by this many pixels (a square neighbourhood)


def balanced_weights(x, y):
    """`[N, 1, H, W]` loss weights with mean 1 giving the edit region — where y differs from x by
    more than 0.02 in some channel, grown by 2 px — and the rest half the loss each; an empty or
    full region weighs every pixel 1 (EditRegion.balancedLossWeights)."""
    changed = ((y - x).abs() > REGION_THRESHOLD).any(1, keepdim=True).float()
    side = 2 * REGION_DILATION + 1
    region = F.max_pool2d(changed, side, stride=1, padding=REGION_DILATION) > 0
    total = region[0].numel()
    inside = region.flatten(1).sum(1).float()[:, None, None, None]
    outside = total - inside
    weights = torch.where(region, 0.5 * total / inside.clamp(min=1), 0.5 * total / outside.clamp(min=1))
    return torch.where((inside > 0) & (outside > 0), weights, torch.ones_like(weights))


class Cases:
    """The case stream of one process: `batch(step)` is the step's augmented cases."""

    def __init__(self, effect, batch, seed, rank=0, world=1, device="cpu"):
        self.effect, self.size, self.seed, self.rank, self.world, self.device = effect, batch, seed, rank, world, device
        self.pairs = len(effect.sources)
        self.cases = self.pairs * (self.pairs - 1)
        if self.cases < world:
            raise EffectError(f"{self.pairs} pairs give {self.cases} cases, fewer than the {world} processes: each needs one an epoch")
        self.share = self.cases // world  # this process's cases an epoch
        self.sources, self.targets = effect.sources.to(device), effect.targets.to(device)
        self.orders, self.carried = {}, {}
        design = effect.design
        self.carries = design["pairing"] in N_TO_N
        self.end_to_end = bool(design.get("end_to_end"))
        self.transform = bool(design.get("transform_channels"))
        self.augments = design.get("augments", True)

    def case(self, k):
        """This process's k-th case (reference, target), counting from the first step."""
        epoch, position = divmod(k, self.share)
        if epoch not in self.orders:
            # A permutation of the case numbers rather than of a list of pairs: thousands of
            # pairs give millions of cases.
            draws = torch.Generator().manual_seed(hash_seed(f"likewise-cases/{self.seed}/{epoch}"))
            self.orders = {epoch: torch.randperm(self.cases, generator=draws)}  # one epoch at a time is all a run needs
        i, rest = divmod(int(self.orders[epoch][self.rank + self.world * position]), self.pairs - 1)
        return i, rest + (rest >= i)  # the rest-th pair other than i

    @torch.no_grad()
    def carried_reference(self, i, j):
        """Pair i's source and target carried into pair j's source's frame by Mx, with Mx's
        channels when the head reads them; prepared on first use and kept."""
        if (i, j) not in self.carried:
            source, target = self.sources[i], self.targets[i]
            if self.effect.design.get("ablation") == "no-flow-colour":
                self.carried[i, j] = (source, target, None)
            else:
                flows, grids = mx.transformations(self.effect.flow, source[None], self.sources[j][None])
                channels = mx.channels(flows, grids)[0] if self.transform else None
                self.carried[i, j] = (mx.carried(flows, grids, source[None])[0], mx.carried(flows, grids, target[None])[0], channels)
        return self.carried[i, j]

    def batch(self, step):
        """The step's cases (see `assembled`): this process's next cases, each one's
        augmentation, then the refiner's draws."""
        rng = random.Random(f"likewise-augment/{self.seed}/{self.rank}/{step}")
        cases = [self.case(k) for k in range(step * self.size, (step + 1) * self.size)]
        augmentations = [Augmentation.random(rng) if self.augments else Augmentation() for _ in cases]
        draws = torch.Generator().manual_seed(rng.getrandbits(63))
        times, noise = torch.rand(len(cases), generator=draws), torch.randn(len(cases), 3, *self.sources.shape[2:], generator=draws)
        return self.assembled(cases, augmentations, times.to(self.device), noise.to(self.device))

    def assembled(self, cases, augmentations, times, noise):
        """The batch of `cases` ((reference, target) each) under their `augmentations`: `x`, `y`
        `[B, 3, S, S]` and their `weights`; for the n-to-n pairings the references
        `reference_source`, `reference_target` (carried, or end to end as they are, to be carried
        in the step) and `channels` (Mx's, or None); and the refiner's `times` `[B]` and `noise`
        `[B, 3, S, S]`."""
        xs, ys, sources, targets, channels = [], [], [], [], []
        for (i, j), augmentation in zip(cases, augmentations):
            xs.append(augmentation.image(self.sources[j]))
            ys.append(augmentation.image(self.targets[j]))
            if self.carries:
                source, target, transform = (self.sources[i], self.targets[i], None) if self.end_to_end else self.carried_reference(i, j)
                sources.append(augmentation.image(source))
                targets.append(augmentation.image(target))
                if transform is not None:
                    channels.append(augmentation.transformation(transform))
        x, y = torch.stack(xs), torch.stack(ys)
        batch = dict(x=x, y=y, weights=balanced_weights(x, y), times=times, noise=noise)
        if self.carries:
            batch.update(reference_source=torch.stack(sources), reference_target=torch.stack(targets),
                         channels=torch.stack(channels) if channels else None)
        return batch
