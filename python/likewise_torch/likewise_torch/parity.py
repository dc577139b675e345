"""Checks the bridge's networks against Likewise's own outputs on the same inputs.

    python -m likewise_torch.parity EFFECT.safetensors OUTPUTS.safetensors

OUTPUTS holds what Likewise computed with EFFECT's networks (Tests/ModelsTests/TorchBridgeTests
writes it), NHWC as Likewise keeps images: `head.input` → `head.output`; `denoiser.input` and
`denoiser.times` → `denoiser.output`; `flow.first` and `flow.second` (images in [0, 1]) →
`flow.first.normalised` and `flow.output`, the finest flow of the normalised pair. Prints the
largest difference of each and exits 1 when one exceeds the tolerance (1e-4).
"""
import sys

import torch
from safetensors.torch import load_file

from . import load, normalise

TOLERANCE = 1e-4


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
    failed = False
    for name, ours, theirs in checks:
        ours = ours.permute(0, 2, 3, 1)
        if ours.shape != theirs.shape:
            print(f"{name}: shape {list(ours.shape)}, Likewise's {list(theirs.shape)}")
            failed = True
            continue
        difference = (ours - theirs).abs().max().item()
        scale = theirs.abs().max().item()
        ok = difference <= TOLERANCE
        failed |= not ok
        print(f"{name}: largest |difference| {difference:.3g} (outputs up to {scale:.3g}){'' if ok else f' > {TOLERANCE}'}")
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(*sys.argv[1:]))
