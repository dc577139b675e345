"""A Likewise effect in PyTorch (docs/CHECKPOINTS.md, "In PyTorch").

    import likewise_torch as lt
    effect = lt.load("blue_eyes.safetensors")    # design, networks and training pairs
    effect.head, effect.denoiser, effect.flow      # torch.nn.Modules with the effect's weights
    y, references = lt.edit(effect, x, references=4)   # x [3, H, W] in [0, 1], any size

What is here: the editor's networks built from the effect's own design and loaded with strict
name, shape and digest checks, equal to Likewise's outputs within 1e-4; and the edit of an image
at its own size — the view, the references chosen, Mx carrying each, the head, the fusion, the
lift — within 1/255 of Likewise's (make test checks both). Not yet here: the DDIM refiner's
sampling (an effect with diffusion edits with its regression head, as `steps: 0` in Likewise),
and training.
"""
from .edit import edit, nearest, networks_edit
from .effect import Effect, EffectError, head_input_channels, load
from .networks import PRESETS, FlowNetwork, UNet, normalise

__all__ = ["Effect", "EffectError", "FlowNetwork", "PRESETS", "UNet", "head_input_channels", "edit", "load", "nearest", "networks_edit", "normalise"]
