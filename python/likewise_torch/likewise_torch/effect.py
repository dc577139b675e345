"""A saved Likewise effect in PyTorch: its design read from the file, its networks built from
the design (`networks.py`) and every weight loaded with strict name and shape checks.

The file is a Likewise checkpoint (docs/CHECKPOINTS.md): safetensors, every tensor F32 in
Likewise's layouts — convolutions `[KH, KW, Cin, Cout]`, attention projections `[Cin, Cout]`
applied as tokens·W, images NHWC — which loading turns into PyTorch's.
"""
import hashlib
import json
from dataclasses import dataclass

import torch
from safetensors import safe_open

from .networks import PRESETS, FlowNetwork, UNet

CHECKPOINT_FORMAT = "likewise-checkpoint-1"
EDITOR_FORMAT = "2"
DESIGN_VERSION = 1
TRANSFORM_CHANNELS = 14  # Mx's flow and colour maps as the head's channels (Transformation.swift)
PAIRINGS = ("structural", "implicit", "combined", "one2one", "pix2pix")
N_TO_N = ("structural", "implicit", "combined")  # the pairings that carry a training pair into x's frame
# The design's knobs with a closed set of values (EditorDesign.swift), each checked on loading.
KNOBS = {
    "view": ("squeeze", "pad"),
    "lift": ("upsample", "detail", "grid", "residual", "adaptive"),
    "flow": ("learned", "horn-schunck"),
    "ablation": (None, "no-flow-colour", "no-xj"),
}


class EffectError(ValueError):
    """A file that is not an effect this bridge can load; the message names the file and why."""


def head_input_channels(design):
    """The head's input channels for a design (PairingConditioning.swift): x alone for the
    direct pairings; for the n-to-n ones x with the reference carried into its frame (implicit:
    x, the carried target, the carried source; structural and combined: also their difference's
    base), the carried target alone under the `no-xj` ablation; and Mx's channels after, when asked."""
    pairing = design["pairing"]
    if pairing not in N_TO_N:
        return 3
    images = 3 if design.get("ablation") == "no-xj" else {"implicit": 9, "structural": 12, "combined": 12}[pairing]
    return images + (TRANSFORM_CHANNELS if design.get("transform_channels") else 0)


def likewise_to_torch(name, tensor):
    """A tensor in Likewise's layout as the module tree's parameter wants it."""
    if tensor.dim() == 4:  # convolution [KH, KW, Cin, Cout] → [Cout, Cin, KH, KW]
        return tensor.permute(3, 2, 0, 1).contiguous()
    if tensor.dim() == 2:  # tokens·W [Cin, Cout] → Linear's [Cout, Cin]
        return tensor.t().contiguous()
    return tensor


def torch_to_likewise(name, tensor):
    """The inverse of `likewise_to_torch`, for writing an effect back."""
    if tensor.dim() == 4:
        return tensor.permute(2, 3, 1, 0).contiguous()
    if tensor.dim() == 2:
        return tensor.t().contiguous()
    return tensor


def load_state(module, tensors, prefix, path):
    """Loads `module` from `tensors[prefix + name]` for every parameter, converting layouts.
    Every parameter must be there with its shape, and every tensor under `prefix` must be one of
    the module's: the first that is not is named."""
    expected = dict(module.named_parameters())
    given = {name[len(prefix):]: t for name, t in tensors.items() if name.startswith(prefix)}
    for name, parameter in expected.items():
        if name not in given:
            raise EffectError(f"{path}: tensor '{prefix}{name}' is missing: the design builds it ({tuple(parameter.shape)} in PyTorch)")
        value = likewise_to_torch(name, given[name])
        if value.shape != parameter.shape:
            raise EffectError(f"{path}: tensor '{prefix}{name}' has shape {list(given[name].shape)}, "
                              f"and the design's network needs {list(torch_to_likewise(name, parameter.detach()).shape)}")
        with torch.no_grad():
            parameter.copy_(value)
    unexpected = sorted(set(given) - set(expected))
    if unexpected:
        raise EffectError(f"{path}: tensor '{prefix}{unexpected[0]}' is not part of the design's network "
                          f"({len(unexpected)} such tensor{'s' if len(unexpected) > 1 else ''})")


@dataclass
class Effect:
    """An effect's design (the `editor.design` JSON), its networks — `head`, `denoiser` (with
    diffusion, else None), `flow` (the learned estimator's network, else None) — and its training
    pairs `sources` and `targets`, `[N, 3, S, S]` in [0, 1], with their names."""
    path: str
    design: dict
    head: UNet
    denoiser: UNet | None
    flow: FlowNetwork | None
    names: list
    sources: torch.Tensor
    targets: torch.Tensor
    steps: int

    def edit(self, image, references=1, lift=None, steps=None, eta=0.0, seed=0):
        """`image` (`[3, H, W]` in [0, 1]) edited at its own size, and the references used (see
        `likewise_torch.edit`)."""
        from .edit import edit
        return edit(self, image, references, lift, steps, eta, seed)

    def edit_file(self, source, destination, references=1, lift=None, steps=None, eta=0.0, seed=0):
        """Edits the PNG or JPEG at `source` and writes it to `destination` (PNG, or JPEG by its
        name), at its own size, with its colour profile, as `likewise apply` does."""
        from .images import read_image, write_image
        image, profile = read_image(source)
        edited, _ = self.edit(image, references, lift, steps, eta, seed)
        write_image(edited, destination, profile)


def read(path):
    """(tensors, metadata) of a Likewise checkpoint, each tensor checked against its SHA-256."""
    try:
        with safe_open(path, framework="pt") as f:
            metadata = f.metadata() or {}
            tensors = {name: f.get_tensor(name) for name in f.keys()}
    except FileNotFoundError:
        raise EffectError(f"{path}: no such file") from None
    except Exception as error:  # safetensors' own errors name no file
        raise EffectError(f"{path}: not a safetensors file ({error})") from None
    if metadata.get("format") != CHECKPOINT_FORMAT:
        raise EffectError(f"{path}: not a Likewise checkpoint (format {metadata.get('format')!r}, expected {CHECKPOINT_FORMAT!r})")
    digests = json.loads(metadata.get("checkpoint.sha256", "{}"))
    damaged = [name for name, digest in digests.items()
               if name in tensors and hashlib.sha256(tensors[name].numpy().tobytes()).hexdigest() != digest]
    weights = [name for name in damaged if name.startswith(("model.", "flow."))]
    if weights:
        raise EffectError(f"{path}: {len(weights)} of its tensors do not match the SHA-256 saved with them ('{weights[0]}' first): the file is damaged")
    return tensors, metadata


def migrated_design(metadata, path):
    """The design of an effect saved before `editor.design`, from the keys it held instead
    (Editor.migratedDesign in Sources/Models/EditorCheckpoint.swift)."""
    if "editor.preset" not in metadata or "editor.pairing" not in metadata:
        raise EffectError(f"{path}: holds no effect's design (a checkpoint of something else, not an effect)")
    flag = lambda key, default="false": metadata.get(key, default) == "true"
    ablation = metadata.get("editor.ablation", "none")
    design = dict(preset=metadata["editor.preset"], pairing=metadata["editor.pairing"], diffusion=flag("editor.diffusion"),
                  end_to_end=flag("editor.end_to_end"), transform_channels=flag("editor.transform_channels"),
                  flow="learned" if metadata.get("editor.flow") == "learned" else "horn-schunck",
                  augments=flag("editor.augments", "true"), seed=int(metadata.get("editor.seed", "1")), version=1)
    if ablation != "none":
        design["ablation"] = ablation
    if "editor.learning_rate" in metadata:
        design["learning_rate"] = float(metadata["editor.learning_rate"])
    return design


def load(path):
    """The effect saved at `path` (by Likewise's `save(m, path)` or `likewise train --out`)."""
    tensors, metadata = read(path)
    if metadata.get("editor.format") != EDITOR_FORMAT:
        raise EffectError(f"{path}: editor format {metadata.get('editor.format')!r}; this bridge reads format {EDITOR_FORMAT} "
                          "(load it in Likewise, which says what to do)")
    design = json.loads(metadata["editor.design"]) if "editor.design" in metadata else migrated_design(metadata, path)
    if design.get("version", 1) > DESIGN_VERSION:
        raise EffectError(f"{path}: its design is version {design['version']}, newer than this bridge reads ({DESIGN_VERSION})")
    if design.get("pairing") == "auto":
        design["pairing"] = "structural"  # auto's largest candidate, as Likewise builds it until resolved
    if design.get("pairing") not in PAIRINGS:
        raise EffectError(f"{path}: unknown pairing {design.get('pairing')!r}")
    if design.get("preset") not in PRESETS:
        raise EffectError(f"{path}: unknown preset {design.get('preset')!r}")
    for knob, known in KNOBS.items():
        if knob in design and design[knob] not in known:
            raise EffectError(f"{path}: its design's {knob} is {design[knob]!r}, which this bridge does not know "
                              f"(it knows {', '.join(str(k) for k in known)})")
    preset = PRESETS[design["preset"]]
    widths, groups = preset["widths"], preset["groups"]
    channels = head_input_channels(design)
    # combined's head also outputs its trust in the carried edit (PredictionStart.trusting).
    head = UNet(channels, 4 if design["pairing"] == "combined" else 3, widths, groups)
    load_state(head, tensors, "model.head.", path)
    denoiser = None
    if design.get("diffusion"):
        denoiser = UNet(3 + channels + 3, 3, widths, groups, time_channels=4 * widths[0])
        load_state(denoiser, tensors, "model.denoiser.", path)
    flow = None
    if design.get("flow", "learned") == "learned":
        flow = FlowNetwork()
        load_state(flow, tensors, "model.flow." if design.get("end_to_end") else "flow.", path)
    names = json.loads(metadata.get("editor.pairs", "[]"))
    nchw = lambda t: t.permute(0, 3, 1, 2).contiguous()
    for network in (head, denoiser, flow):
        if network is not None:
            network.eval()
    return Effect(path=path, design=design, head=head, denoiser=denoiser, flow=flow,
                  names=names, sources=nchw(tensors["pairs.source"]), targets=nchw(tensors["pairs.target"]),
                  steps=int(metadata.get("step", 0)))
