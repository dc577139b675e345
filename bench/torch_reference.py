#!/usr/bin/env python3
"""The editor's networks in PyTorch, timed as `likewise bench train` and `likewise bench edit`
time them: the reference Likewise's speed is measured against.

The networks are the PyTorch bridge's (python/likewise_torch/likewise_torch/networks.py), whose
outputs equal Likewise's within 1e-4 (Tests/ModelsTests/TorchBridgeTests.swift), so the timing
reference and the bridge cannot drift apart. Parameter counts are printed so that
bench/compare.sh can check both sides built the same thing. Inputs are random, as in the Swift
bench; weights keep PyTorch's initialisation (the time does not depend on them).

Run with the same thread count as the Swift side; tensors and modules are channels-last, the
fast layout of PyTorch's CPU convolutions. Prints one JSON object a line.
"""
import argparse
import json
import pathlib
import statistics
import sys
import time

import torch
import torch.nn.functional as F

# The bridge's module tree, from the source tree: what is timed is what effects load into.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python" / "likewise_torch"))
from likewise_torch.networks import PRESETS, VAE, FlowNetwork, UNet  # noqa: E402

def channels_last(x):
    return x.contiguous(memory_format=torch.channels_last)


def make(name, preset, batch):
    """(module, loss(), forward()) for the network `name` on a fixed random batch."""
    side, widths, groups = preset["size"], preset["widths"], preset["groups"]
    images = lambda channels: channels_last(torch.rand(batch, channels, side, side))
    if name in ("head", "denoiser"):
        denoiser = name == "denoiser"
        network = UNet(18 if denoiser else 12, 3, widths, groups, 4 * widths[0] if denoiser else 0)
        x, target = images(18 if denoiser else 12) * 2 - 1, images(3)
        times = torch.rand(batch) if denoiser else None
        criterion = F.mse_loss if denoiser else F.l1_loss
        return network, (lambda: criterion(network(x, times), target)), (lambda: network(x, times))
    if name == "flow":
        network = FlowNetwork()
        first, second = channels_last(torch.randn(batch, 3, side, side)), channels_last(torch.randn(batch, 3, side, side))
        target = channels_last(torch.randn(batch, 2, side, side))
        return network, (lambda: F.l1_loss(network(first, second), target)), (lambda: network(first, second))
    if name == "vae":
        network = VAE(widths[:3], groups)
        target, skip = images(3), images(6)
        return network, (lambda: network.loss(target, skip)), (lambda: network.decode(network.encode(target)[0], skip))
    raise SystemExit(f"unknown network {name!r}")


def median_seconds(runs, body):
    body()
    seconds = []
    for _ in range(runs):
        start = time.perf_counter()
        body()
        seconds.append(time.perf_counter() - start)
    return statistics.median(seconds), min(seconds)


def emit(**fields):
    print(json.dumps(fields), flush=True)


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--preset", default="small", choices=PRESETS)
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--size", type=int, help="the networks' side (default: the preset's)")
    parser.add_argument("--networks", nargs="*", default=["head", "flow", "vae", "denoiser"])
    parser.add_argument("--edit", action="store_true", help="also time the forward passes an edit makes (refs 1 and 4; 0 and 10 DDIM steps)")
    args = parser.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    preset = dict(PRESETS[args.preset])
    if args.size:
        preset["size"] = args.size
    common = dict(preset=args.preset, batch=preset["batch"], size=preset["size"], threads=torch.get_num_threads(), torch=torch.__version__)

    for name in args.networks:
        network, loss, forward = make(name, preset, preset["batch"])
        network = network.to(memory_format=torch.channels_last)
        optimizer = torch.optim.AdamW(network.parameters(), lr=1e-4, weight_decay=1e-4)

        def step():
            optimizer.zero_grad(set_to_none=False)
            loss().backward()
            torch.nn.utils.clip_grad_norm_(network.parameters(), 1.0)
            optimizer.step()

        seconds, fastest = median_seconds(args.runs, step)
        with torch.inference_mode():
            forward_seconds, _ = median_seconds(args.runs, forward)
        emit(op="train_step", network=name, **common, parameters=sum(p.numel() for p in network.parameters()),
             seconds=seconds, fastest_seconds=fastest, forward_seconds=forward_seconds)

    if args.edit:
        with torch.inference_mode():
            for refs in (1, 4):
                timed = {}
                for name, batch in (("flow", 1), ("head", refs), ("denoiser", refs)):
                    network, _, forward = make(name, preset, batch)
                    network.to(memory_format=torch.channels_last)
                    timed[name], _ = median_seconds(args.runs, forward)
                for ddim in (0, 10):
                    emit(op="edit", preset=args.preset, refs=refs, ddim_steps=ddim, threads=torch.get_num_threads(), torch=torch.__version__,
                         networks_seconds=refs * timed["flow"] + timed["head"] + ddim * timed["denoiser"],
                         flow_seconds=timed["flow"], head_seconds=timed["head"], denoiser_seconds=timed["denoiser"])


if __name__ == "__main__":
    main()
