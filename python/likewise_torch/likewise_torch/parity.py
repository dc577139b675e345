"""Checks the bridge's networks against Likewise's own outputs on the same inputs.

    python -m likewise_torch.parity EFFECT.safetensors OUTPUTS.safetensors

OUTPUTS holds what Likewise computed with EFFECT's networks (Tests/ModelsTests/TorchBridgeTests
writes it), NHWC as Likewise keeps images: `head.input` → `head.output`; `denoiser.input` and
`denoiser.times` → `denoiser.output`; `flow.first` and `flow.second` (images in [0, 1]) →
`flow.first.normalised` and `flow.output`, the finest flow of the normalised pair; and for each
edit K, `edit.K.x` (at the working size) and `edit.K.references` (pair indices) →
`edit.K.output`, the working-size edit of the head alone; for each whole edit K, `photo.K.x` (at
its own size) and `photo.K.steps` (DDIM steps, −1 for the effect's default) → `photo.K.output`
and `photo.K.references` (the pairs chosen; −1 for none); for each sampled edit K, `sampled.K.x`,
`sampled.K.references` and `sampled.K.sampling` (steps, η, seed) → `sampled.K.output`, the
working-size edit with the refiner's DDIM steps; and a training step's `train.cases`,
`train.augmentations`, `train.times` and `train.noise` → `train.loss` and `train.gradient_norm`.
Prints the largest difference of each and exits 1 when a network's exceeds 1e-4, an edit's 1/255
(one level of an 8-bit image), or the loss's or the gradient norm's 1e-5 of itself.
"""
import sys

import torch
from safetensors.torch import load_file

from . import edit, load, networks_edit, normalise
from .augment import Augmentation
from .cases import Cases
from .objective import Objective

TOLERANCE = 1e-4
EDIT_TOLERANCE = 1 / 255
LOSS_TOLERANCE = GRADIENT_TOLERANCE = 1e-5  # relative


def main(effect_path, outputs_path):
    effect = load(effect_path)
    io = load_file(outputs_path)
    nchw = lambda t: t.permute(0, 3, 1, 2)
    checks = []
    with torch.no_grad():
        checks.append(("head", effect.head(nchw(io["head.input"])), io["head.output"]))
        if effect.denoiser is not None:
            checks.append(("denoiser", effect.denoiser(nchw(io["denoiser.input"]), io["denoiser.times"]), io["denoiser.output"]))
        if effect.flow is not None:
            first, second = normalise(nchw(io["flow.first"])), normalise(nchw(io["flow.second"]))
            checks.append(("normalise", first, io["flow.first.normalised"]))
            checks.append(("flow", effect.flow(first, second), io["flow.output"]))
    edits = sorted(name[len("edit."):-len(".x")] for name in io if name.startswith("edit.") and name.endswith(".x"))
    for k in edits:
        references = [int(i) for i in io[f"edit.{k}.references"].tolist() if i >= 0]
        ours = networks_edit(effect, nchw(io[f"edit.{k}.x"])[0], references, steps=0)[None]
        checks.append((f"edit {k} (references {references})", ours, io[f"edit.{k}.output"]))
    for k in sorted(name[len("sampled."):-len(".x")] for name in io if name.startswith("sampled.") and name.endswith(".x")):
        references = [int(i) for i in io[f"sampled.{k}.references"].tolist() if i >= 0]
        steps, eta, seed = io[f"sampled.{k}.sampling"].tolist()
        ours = networks_edit(effect, nchw(io[f"sampled.{k}.x"])[0], references, int(steps), eta, int(seed))[None]
        checks.append((f"edit {k} sampled in {int(steps)} DDIM steps, eta {eta:g}", ours, io[f"sampled.{k}.output"]))
    failed = False
    photos = sorted(name[len("photo."):-len(".x")] for name in io if name.startswith("photo.") and name.endswith(".x"))
    for k in photos:
        steps = int(io[f"photo.{k}.steps"].item())
        ours, chosen = edit(effect, nchw(io[f"photo.{k}.x"])[0], references=int(k), steps=None if steps < 0 else steps)
        theirs = [int(i) for i in io[f"photo.{k}.references"].tolist() if i >= 0]
        if chosen != theirs:
            print(f"photo {k}: references {chosen}, Likewise's {theirs}")
            failed = True
        checks.append((f"edit of a {ours.shape[2]}×{ours.shape[1]} image, {k} references", ours[None], io[f"photo.{k}.output"]))
    if "train.loss" in io:
        loss, norm = training_step(effect, io)
        for name, ours, theirs, tolerance in (("training loss", loss, io["train.loss"].item(), LOSS_TOLERANCE),
                                              ("training gradient's norm", norm, io["train.gradient_norm"].item(), GRADIENT_TOLERANCE)):
            difference = abs(ours - theirs) / max(abs(theirs), 1e-12)
            ok = difference <= tolerance
            failed |= not ok
            print(f"{name}: largest |difference| {difference:.3g} of Likewise's {theirs:.6g}{'' if ok else f' > {tolerance:.3g}'}")
    for name, ours, theirs in checks:
        ours = ours.permute(0, 2, 3, 1)
        if ours.shape != theirs.shape:
            print(f"{name}: shape {list(ours.shape)}, Likewise's {list(theirs.shape)}")
            failed = True
            continue
        difference = (ours - theirs).abs().max().item()
        scale = theirs.abs().max().item()
        tolerance = EDIT_TOLERANCE if name.startswith("edit") else TOLERANCE
        ok = difference <= tolerance
        failed |= not ok
        print(f"{name}: largest |difference| {difference:.3g} (outputs up to {scale:.3g}){'' if ok else f' > {tolerance:.3g}'}")
    return 1 if failed else 0


def training_step(effect, io):
    """The bridge's training loss on Likewise's cases, augmentations and diffusion draws, and the
    global norm of its gradient over the trained networks."""
    cases = [(int(i), int(j)) for i, j in io["train.cases"].tolist()]
    augmentations = [Augmentation(flip=row[0] > 0.5, scale=row[1], offset_x=row[2], offset_y=row[3], brightness=row[4],
                                  contrast=row[5], gains=tuple(row[6:9])) for row in io["train.augmentations"].tolist()]
    batch = Cases(effect, len(cases), seed=0).assembled(cases, augmentations, io["train.times"], io["train.noise"].permute(0, 3, 1, 2))
    objective = Objective(effect)
    loss = objective(batch)
    loss.backward()
    squares = sum(p.grad.double().square().sum().item() for p in objective.parameters() if p.grad is not None)
    return loss.item(), squares ** 0.5


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
