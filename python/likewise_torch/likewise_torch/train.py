"""Trains a Likewise effect in PyTorch, on one process or many, and writes an effect Likewise loads.

    python -m likewise_torch.train EFFECT --out OUT [--data FOLDER] [--steps N] [--size S]
    torchrun --nproc_per_node=8 -m likewise_torch.train EFFECT --data shoot/ --steps 20000 --size 256 --out big.safetensors

EFFECT is a file Likewise saved (`likewise train`, `save(m, path)`): its design says what to build
and its weights and AdamW moments are where training continues. To start afresh, save an
untrained one: `likewise train --data FOLDER --pairing structural --steps 0 --out EFFECT`.
Training is Likewise's own (EditorObjective.swift, Trainer.swift): the n-to-n cases in shuffled
epochs, each case's images augmented alike, the edit region's balanced L1 + squared + frequency
loss, the refiner's loss with diffusion, end to end the flow's too; AdamW (β 0.9/0.999, ε 1e-8,
weight decay 1e-4, the flow end to end at a tenth of the rate) on the linear warm-up + cosine
schedule to a twentieth of the peak (its length the longer of the effect's — the preset's steps,
or as far as it was trained — and this run's end: a short run ends with the rate still high, as in
Likewise), the gradient's global norm clipped to 1.

Under torchrun each process draws the preset's batch of its own cases (see `cases.py`), and
DistributedDataParallel averages the gradients: gloo on CPU, nccl on CUDA. Process 0 writes OUT
every --save-every steps, at the end and when Ctrl-C or SIGTERM stops the run (after the step
under way), atomically; `--resume` continues from OUT when it is there, with the size, rate and
pairs it started with, drawing the cases and augmentations the uninterrupted run would have drawn.
torchrun adds a report of its own when a process fails or is interrupted (a traceback ending in
SignalException after Ctrl-C): the line above it is this command's.
"""
import argparse
import math
import os
import signal
import sys
import time

import torch
import torch.distributed as dist
from torch.nn.parallel import DistributedDataParallel

from . import geometry
from .cases import Cases
from .effect import EffectError, likewise_to_torch, load, read
from .networks import PRESETS
from .objective import Objective
from .pairs import load_pairs
from .save import write_effect

SIZES = range(32, 257, 16)  # EditorDesign.sizes
FLOW_RATE_SCALE = 0.1  # Editor.flowRateScale
WEIGHT_DECAY, CLIP_NORM = 1e-4, 1.0


def rate(step, peak, warmup, total):
    """LearningRateSchedule.rate(at:): linear warm-up to `peak`, then cosine to peak/20 at `total`."""
    floor = peak / 20
    if step < warmup:
        return peak * (step + 1) / warmup
    progress = min((step - warmup) / max(total - warmup, 1), 1)
    return floor + (peak - floor) * 0.5 * (1 + math.cos(math.pi * progress))


def arguments(argv):
    parser = argparse.ArgumentParser(prog="python -m likewise_torch.train", description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__.split("\n\n", 1)[1])
    parser.add_argument("effect", help="the effect to continue (a Likewise .safetensors)")
    parser.add_argument("--out", required=True, help="where to write the trained effect")
    parser.add_argument("--data", help="a folder of pairs to train on (source/ and target/, or NAME_src with NAME_tgt); "
                                       "default: the pairs saved in the effect")
    parser.add_argument("--steps", type=int, help="how many more steps (default: the preset's)")
    parser.add_argument("--size", type=int, help="a new working size, a multiple of 16 from 32 to 256 (needs --data)")
    parser.add_argument("--learning-rate", type=float, help="a new peak rate, kept in the design (default: the design's)")
    parser.add_argument("--device", choices=("cpu", "cuda"), default="cuda" if torch.cuda.is_available() else "cpu",
                        help="cpu or cuda (default: cuda when there is one)")
    parser.add_argument("--save-every", type=int, default=500, help="write OUT every this many steps (default: 500)")
    parser.add_argument("--resume", action="store_true", help="continue from OUT when it is there (a run stopped part-way)")
    args = parser.parse_args(argv)
    if args.steps is not None and args.steps < 1:
        parser.error(f"--steps must be at least 1, got {args.steps}")
    if args.size is not None and args.size not in SIZES:
        parser.error(f"--size must be a multiple of 16 from 32 to 256, got {args.size}")
    if args.learning_rate is not None and not 0 < args.learning_rate <= 1:
        parser.error(f"--learning-rate must be in (0, 1], got {args.learning_rate}")
    if args.save_every < 1:
        parser.error(f"--save-every must be at least 1, got {args.save_every}")
    return args


def fitted_pairs(folder, design):
    """The folder's pairs fitted to the design's working size by its view: names, sources, targets."""
    fit = lambda image: geometry.fitted(image, design["size"], design.get("view", "squeeze"))[0]
    pairs = load_pairs(folder, fit)
    return [n for n, _, _ in pairs], torch.stack([fit(s) for _, s, _ in pairs]), torch.stack([fit(t) for _, _, t in pairs])


def training_state(path):
    """What Likewise saved to resume training: AdamW's moments by parameter name, the loss
    curve, the schedule's length and its random streams (carried through unchanged)."""
    tensors, metadata = read(path)
    curve = tensors.get("trainer.losses")
    step = int(metadata.get("step", 0))
    if curve is None or curve.numel() != step:
        raise EffectError(f"{path}: its loss curve does not have one loss for each of its {step} steps")
    moments = {key: {name[len(f"optimizer.{key}."):]: t for name, t in tensors.items() if name.startswith(f"optimizer.{key}.")}
               for key in ("exp_avg", "exp_avg_sq")}
    streams = {key: metadata[key] for key in ("editor.rng", "editor.sampler") if key in metadata}
    return moments, curve.tolist(), int(metadata.get("editor.schedule_steps", 0)), streams


def prepared(args, say):
    """The effect to train from (OUT when resuming), with the pairs and working size asked for."""
    folder = os.path.dirname(os.path.abspath(args.out))
    os.makedirs(folder, exist_ok=True)  # as Likewise's save makes it: found missing at the first save, it would cost the steps before
    if not os.access(folder, os.W_OK):
        raise EffectError(f"{args.out}: its folder {folder} cannot be written")
    source = args.out if args.resume and os.path.exists(args.out) else args.effect
    if source != args.effect:
        say(f"resuming from {args.out}")
    effect = load(source)
    design = effect.design
    if design.get("flow", "learned") != "learned":
        raise EffectError(f"{source}: its flow is {design['flow']!r}; the bridge trains effects with the learned flow only")
    design.setdefault("size", effect.sources.shape[-1])
    if args.size and args.size != design["size"] and not args.data:
        raise EffectError(f"{source}: its pairs are saved at {design['size']} px; --size {args.size} needs --data with the photographs")
    if source == args.effect:
        design["size"] = args.size or design["size"]
        if args.learning_rate:
            design["learning_rate"] = args.learning_rate
        if args.data:
            effect.names, effect.sources, effect.targets = fitted_pairs(args.data, design)
    else:  # a resumed run goes on as it started: OUT holds the size, rate and pairs it was asked for
        asked = dict(size=args.size, learning_rate=args.learning_rate)
        for knob, value in asked.items():
            if value is not None and value != design.get(knob):
                raise EffectError(f"{source}: it was trained with {knob.replace('_', ' ')} {design.get(knob)}, not {value}: "
                                  "resume with the settings it started with, or train into another --out")
        if args.data and fitted_pairs(args.data, design)[0] != effect.names:
            raise EffectError(f"{source}: it was trained on other pairs than {args.data}'s: resume with the same --data, or train into another --out")
    if len(effect.names) < 2:
        raise EffectError(f"an effect needs at least 2 pairs, got {len(effect.names)}")
    return effect, source


def main(argv=None):
    args = arguments(argv)
    world, rank = int(os.environ.get("WORLD_SIZE", 1)), int(os.environ.get("RANK", 0))
    device = torch.device(args.device if args.device != "cuda" else f"cuda:{int(os.environ.get('LOCAL_RANK', 0))}")
    if device.type == "cuda" and not torch.cuda.is_available():
        raise SystemExit("error: --device cuda: no CUDA GPU is visible to PyTorch here")
    if world > 1:
        if device.type == "cuda":
            torch.cuda.set_device(device)
        dist.init_process_group("nccl" if device.type == "cuda" else "gloo")
    say = (lambda text: print(text, flush=True)) if rank == 0 else (lambda text: None)
    try:
        train(args, world, rank, device, say)
    except EffectError as error:
        if rank == 0:
            print(f"error: {error}", file=sys.stderr)
        raise SystemExit(1)
    finally:
        if world > 1:
            dist.destroy_process_group()


def train(args, world, rank, device, say):
    effect, source = prepared(args, say)
    design, preset = effect.design, PRESETS[effect.design["preset"]]
    moments, losses, schedule_steps, streams = training_state(source)
    start = len(losses)
    target = (start if source == args.effect else int(read(args.effect)[1].get("step", 0))) + (args.steps or preset["steps"])
    peak, warmup = design.get("learning_rate", preset["learning_rate"]), preset["steps"] // 20
    total = max(schedule_steps or preset["steps"], target)
    networks = {"head": effect.head, "denoiser": effect.denoiser, "flow": effect.flow if design.get("end_to_end") else None}
    networks = {scope: network.to(device).train() for scope, network in networks.items() if network is not None}
    if effect.flow is not None:
        effect.flow.to(device)
    groups = [{"params": [p for scope, n in networks.items() if scope != "flow" for p in n.parameters()], "scale": 1.0}]
    if "flow" in networks:
        groups.append({"params": list(networks["flow"].parameters()), "scale": FLOW_RATE_SCALE})
    optimizer = torch.optim.AdamW(groups, lr=peak, betas=(0.9, 0.999), eps=1e-8, weight_decay=WEIGHT_DECAY)
    restore_moments(optimizer, networks, moments, start, source)
    objective = Objective(effect)
    model = DistributedDataParallel(objective) if world > 1 else objective
    cases = Cases(effect, preset["batch"], design.get("seed", 1), rank, world, device)
    parameters = [p for n in networks.values() for p in n.parameters()]
    streams = streams if not args.data else {**streams, "editor.sampler": streams.get("editor.sampler", "0 0").split()[0] + " 0"}
    save = lambda: write_effect(args.out, effect, networks, optimizer, losses, total, streams) if rank == 0 else None
    say(f"training {source}: {len(effect.names)} pairs at {design['size']} px, {design['pairing']}"
        f"{', with diffusion' if effect.denoiser is not None else ''}, steps {start} → {target}, "
        f"batch {preset['batch']} × {world} process{'es' if world > 1 else ''} on {device.type}")
    began, last_said = time.time(), 0.0
    interrupted = Interrupt(world, device)
    for step in range(start, target):
        if interrupted():
            save()
            say(f"stopped after step {step}; saved {args.out} (run again with --resume to go on)")
            raise SystemExit(130)
        batch = {k: (v.to(device) if torch.is_tensor(v) else v) for k, v in cases.batch(step).items()}
        loss = model(batch)
        value = loss.detach().clone()
        if world > 1:  # the mean over the processes: one's non-finite loss stops them all, before any waits on another
            dist.all_reduce(value)
            value /= world
        if not torch.isfinite(value):
            save()
            raise EffectError(f"step {step + 1}: the loss is {value.item()}; training stopped and kept the weights of step {step} (try a lower learning rate)")
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        norm = torch.nn.utils.clip_grad_norm_(parameters, CLIP_NORM)
        if not torch.isfinite(norm):
            save()
            raise EffectError(f"step {step + 1}: the gradient norm is {norm.item()}; training stopped and kept the weights of step {step}")
        for group in optimizer.param_groups:
            group["lr"] = rate(step, peak, warmup, total) * group["scale"]
        optimizer.step()
        losses.append(value.item())
        done = step + 1
        if done % args.save_every == 0 or done == target:
            save()
        if time.time() - last_said > 10 or done == target:
            last_said = time.time()
            speed = (done - start) / max(last_said - began, 1e-9)
            say(f"step {done}/{target}  loss {losses[-1]:.4f}  lr {rate(step, peak, warmup, total):.2e}  "
                f"{speed:.2f} steps/s  about {(target - done) / max(speed, 1e-9):.0f} s left")
    if start >= target:
        say(f"{source} already has {start} steps; nothing to train")
        return
    say(f"saved {args.out}: {len(losses)} step{'s' if len(losses) != 1 else ''}")


class Interrupt:
    """Whether Ctrl-C (SIGINT) or SIGTERM came: asked between steps, so that a run stops with the
    weights of its last finished step, and under torchrun agreed by every process (a scalar
    all-reduce a step), so that they all stop after the same one."""

    def __init__(self, world, device):
        self.world, self.device, self.requested = world, device, False
        for signal_number in (signal.SIGINT, signal.SIGTERM):
            signal.signal(signal_number, self.request)

    def request(self, *_):
        self.requested = True

    def __call__(self):
        if self.world == 1:
            return self.requested
        flag = torch.tensor([float(self.requested)], device=self.device)  # nccl reduces GPU tensors only
        dist.all_reduce(flag, op=dist.ReduceOp.MAX)
        return flag.item() > 0


def restore_moments(optimizer, networks, moments, step, path):
    """AdamW's state as Likewise saved it: each parameter's moments and the step count its bias
    correction continues from (none before the first step)."""
    if step == 0:
        return
    for scope, network in networks.items():
        for name, parameter in network.named_parameters():
            full = f"{scope}.{name}"
            if full not in moments["exp_avg"] or full not in moments["exp_avg_sq"]:
                raise EffectError(f"{path}: AdamW's moments of '{full}' are missing, so its training cannot continue")
            optimizer.state[parameter] = {
                "step": torch.tensor(float(step)),
                "exp_avg": likewise_to_torch(name, moments["exp_avg"][full]).to(parameter.device),
                "exp_avg_sq": likewise_to_torch(name, moments["exp_avg_sq"][full]).to(parameter.device),
            }


if __name__ == "__main__":
    main()
