"""An effect written back as Likewise saves one (Sources/Models/EditorCheckpoint.swift, TrainingState.swift,
Checkpoint.swift), so that `likewise apply`, `loadModel` and `likewise train` take it as their own:
safetensors, every tensor F32 in Likewise's layout with its SHA-256 in the header; the weights and
AdamW's moments under `model.`, `optimizer.exp_avg.`, `optimizer.exp_avg_sq.`, one loss a step in
`trainer.losses`, the pairs at the working size with their names and 64-bit FNV-1a hashes, the
design; written to a partial file, flushed and renamed over the target, so a process killed in
the middle leaves the previous file whole.
"""
import hashlib
import json
import os

import torch
from safetensors.torch import save

from .effect import CHECKPOINT_FORMAT, EDITOR_FORMAT, torch_to_likewise

FNV_OFFSET, FNV_PRIME, MASK = 0xCBF29CE484222325, 0x100000001B3, (1 << 64) - 1


def pair_hash(source, target):
    """Editor.hash: FNV-1a over the little-endian bytes of the pair's samples, NHWC, source then
    target, as hex."""
    h = FNV_OFFSET
    for image in (source, target):
        for byte in image.permute(1, 2, 0).contiguous().numpy().astype("<f4").tobytes():
            h = ((h ^ byte) * FNV_PRIME) & MASK
    return format(h, "x")


def compact(value):
    """JSON as Likewise's encoder writes it: sorted keys, no spaces."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def trainer_tensors(networks, optimizer):
    """The trainer's state by its names in a checkpoint: every trained parameter under `model.`,
    and its AdamW moments (zeros before its first step)."""
    tensors = {}
    for scope, network in networks.items():
        for name, parameter in network.named_parameters():
            state = optimizer.state.get(parameter, {})
            full = f"{scope}.{name}"
            tensors["model." + full] = torch_to_likewise(name, parameter.detach().cpu())
            for key in ("exp_avg", "exp_avg_sq"):
                moment = state.get(key, torch.zeros_like(parameter))
                tensors[f"optimizer.{key}.{full}"] = torch_to_likewise(name, moment.detach().cpu())
    return tensors


def write_effect(path, effect, networks, optimizer, losses, schedule_steps, random_streams):
    """Writes `effect` (its design, pairs and frozen flow) with the trainer's state — `networks`
    (scope → module: head, denoiser, and flow end to end), `optimizer`'s moments, one loss a
    finished step — and Likewise's `random_streams` (`editor.rng`, `editor.sampler`) to `path`."""
    tensors = trainer_tensors(networks, optimizer)
    tensors["trainer.losses"] = torch.tensor(losses, dtype=torch.float32)
    if effect.flow is not None and "flow" not in networks:
        tensors.update({"flow." + name: torch_to_likewise(name, p.detach().cpu()) for name, p in effect.flow.named_parameters()})
    nhwc = lambda t: t.detach().cpu().permute(0, 2, 3, 1).contiguous()
    tensors["pairs.source"], tensors["pairs.target"] = nhwc(effect.sources), nhwc(effect.targets)
    tensors = {name: t.to(torch.float32).contiguous() for name, t in tensors.items()}
    metadata = {
        "format": CHECKPOINT_FORMAT, "step": str(len(losses)), "editor.format": EDITOR_FORMAT,
        "editor.design": compact(effect.design), "editor.flow": effect.design.get("flow", "learned"),
        "editor.pairs": compact(effect.names),
        "editor.hashes": compact([pair_hash(s, t) for s, t in zip(effect.sources.cpu(), effect.targets.cpu())]),
        "editor.schedule_steps": str(schedule_steps), **random_streams,
        "checkpoint.sha256": compact({name: hashlib.sha256(t.numpy().tobytes()).hexdigest() for name, t in tensors.items()}),
    }
    write_atomically(path, save(tensors, metadata))


def write_atomically(path, data):
    """`data` to `path` through a partial file beside it, flushed to disk, renamed over it."""
    folder = os.path.dirname(os.path.abspath(path))
    partial = os.path.join(folder, "." + os.path.basename(path) + ".partial")
    with open(partial, "wb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())
    os.replace(partial, path)
    directory = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(directory)
    finally:
        os.close(directory)
