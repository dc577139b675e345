"""A Likewise effect in PyTorch (docs/CHECKPOINTS.md, "In PyTorch").

    import likewise_torch as lt
    effect = lt.load("blue_eyes.safetensors")   # design, networks and training pairs
    effect.head, effect.denoiser, effect.flow     # torch.nn.Modules with the effect's weights

What is here: the editor's networks built from the effect's own design and loaded with strict
name and shape checks, equal to Likewise's outputs within 1e-4 (make test checks it). Not yet
here: the whole edit (flow, colour grids, reference choice and fusion, the DDIM sampler, the
lift) and training.
"""
from .effect import Effect, EffectError, head_input_channels, load
from .networks import PRESETS, FlowNetwork, UNet, normalise

__all__ = ["Effect", "EffectError", "FlowNetwork", "PRESETS", "UNet", "head_input_channels", "load", "normalise"]
