"""A Likewise effect in PyTorch (docs/CHECKPOINTS.md, "In PyTorch").

    import likewise_torch as lt
    effect = lt.load("blue_eyes.safetensors")          # design, networks and training pairs
    effect.edit_file("in.png", "out.png")               # as `likewise apply` edits it
    y, references = effect.edit(x, references=4)        # x [3, H, W] in [0, 1], any size
    effect.head, effect.denoiser, effect.flow           # torch.nn.Modules with the effect's weights

The editor's networks are built from the effect's own design and loaded with strict name, shape
and digest checks, and equal Likewise's outputs within 1e-4; an edit — the working view, the
references chosen, Mx carrying each, the head, the refiner's DDIM steps from Likewise's own noise
stream, the fusion, the lift — is within 1/255 of Likewise's (make test checks both).

    python -m likewise_torch.train effect.safetensors --data pairs/ --steps 2000 --out more.safetensors
    torchrun --nproc_per_node=8 -m likewise_torch.train …   # the same, on 8 processes

trains it further as Likewise trains it and writes an effect Likewise loads (see `train.py`).
"""
from .edit import edit, nearest, networks_edit
from .effect import Effect, EffectError, head_input_channels, load
from .networks import PRESETS, FlowNetwork, UNet, normalise

__all__ = ["Effect", "EffectError", "FlowNetwork", "PRESETS", "UNet", "head_input_channels", "edit", "load", "nearest", "networks_edit", "normalise"]
