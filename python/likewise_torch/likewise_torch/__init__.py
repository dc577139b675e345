"""A Likewise effect in PyTorch (docs/CHECKPOINTS.md, "In PyTorch").

    import likewise_torch as lt
    effect = lt.load("blue_eyes.safetensors")    # design, networks and training pairs
    effect.head, effect.denoiser, effect.flow      # torch.nn.Modules with the effect's weights
    y = lt.networks_edit(effect, x, [2, 0])        # x [3, S, S] at the working size, pairs 2 and 0 as references

What is here: the editor's networks built from the effect's own design and loaded with strict
name, shape and digest checks, equal to Likewise's outputs within 1e-4, and the regression
head's edit at the working size — Mx carrying each reference, the head, the fusion — within
1/255 of Likewise's (make test checks both). Not yet here: the DDIM refiner's sampling, the
choice of references, the working view and the lift to a photo's own size, and training.
"""
from .edit import networks_edit
from .effect import Effect, EffectError, head_input_channels, load
from .networks import PRESETS, FlowNetwork, UNet, normalise

__all__ = ["Effect", "EffectError", "FlowNetwork", "PRESETS", "UNet", "head_input_channels", "load", "networks_edit", "normalise"]
