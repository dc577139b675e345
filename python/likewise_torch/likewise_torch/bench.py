"""The editor's networks in PyTorch, timed as `likewise bench train` and `likewise bench edit`
time them: the reference Likewise's speed is measured against on the CPU, and a measure of what
a GPU gives an effect that outgrows the laptop.

    python -m likewise_torch.bench --preset small --device cuda     # a CUDA GPU
    python bench/torch_reference.py --threads 2                     # the CPU, beside Likewise (bench/compare.sh)

The networks are the bridge's (`networks.py`), whose outputs equal Likewise's within 1e-4
(Tests/ModelsTests/TorchBridgeTests.swift), so the timing reference and the bridge cannot drift
apart. Parameter counts are printed so that bench/compare.sh can check both sides built the same
thing. Inputs are random, as in the Swift bench; weights keep PyTorch's initialisation (the time
does not depend on them). Tensors and modules are channels-last, the fast layout of PyTorch's
convolutions; on a GPU every timed call ends with a synchronisation, so the times are the work's
and not the launch's. Prints one JSON object a line.
"""
import argparse
import json
import statistics
import time

import torch
import torch.nn.functional as F

from .networks import PRESETS, VAE, FlowNetwork, UNet

DEVICE = torch.device("cpu")


def channels_last(x):
    return x.to(DEVICE).contiguous(memory_format=torch.channels_last)


def make(name, preset, batch):
    """(module, loss(), forward()) for the network `name` on a fixed random batch."""
    side, widths, groups = preset["size"], preset["widths"], preset["groups"]
    images = lambda channels: channels_last(torch.rand(batch, channels, side, side))
    if name in ("head", "denoiser"):
        denoiser = name == "denoiser"
        network = UNet(18 if denoiser else 12, 3, widths, groups, 4 * widths[0] if denoiser else 0)
        x, target = images(18 if denoiser else 12) * 2 - 1, images(3)
        times = torch.rand(batch, device=DEVICE) if denoiser else None
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


def synchronise():
    if DEVICE.type == "cuda":
        torch.cuda.synchronize()


def median_seconds(runs, body):
    body()
    seconds = []
    for _ in range(runs):
        synchronise()
        start = time.perf_counter()
        body()
        synchronise()
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
    parser.add_argument("--device", default="cpu", help="cpu (default), cuda, cuda:1, mps…")
    args = parser.parse_args()
    global DEVICE
    DEVICE = torch.device(args.device)
    if DEVICE.type == "cuda" and (DEVICE.index or 0) >= torch.cuda.device_count():
        raise SystemExit(f"--device {args.device}: this PyTorch sees {torch.cuda.device_count()} CUDA GPUs")
    torch.set_num_threads(args.threads)
    torch.manual_seed(0)
    preset = dict(PRESETS[args.preset])
    if args.size:
        preset["size"] = args.size
    common = dict(preset=args.preset, batch=preset["batch"], size=preset["size"], threads=torch.get_num_threads(), torch=torch.__version__, device=str(DEVICE))

    for name in args.networks:
        network, loss, forward = make(name, preset, preset["batch"])
        network = network.to(DEVICE, memory_format=torch.channels_last)
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
                    network.to(DEVICE, memory_format=torch.channels_last)
                    timed[name], _ = median_seconds(args.runs, forward)
                for ddim in (0, 10):
                    emit(op="edit", preset=args.preset, refs=refs, ddim_steps=ddim, threads=torch.get_num_threads(), torch=torch.__version__, device=str(DEVICE),
                         networks_seconds=refs * timed["flow"] + timed["head"] + ddim * timed["denoiser"],
                         flow_seconds=timed["flow"], head_seconds=timed["head"], denoiser_seconds=timed["denoiser"])


if __name__ == "__main__":
    main()
