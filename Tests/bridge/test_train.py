"""likewise_torch.train: a Likewise effect trained in PyTorch — under torchrun with two processes —
and back in Likewise, which edits with it as PyTorch does, continues training it, and reads its
pairs unharmed; a stopped run resumed where it stood; training that learns; bad input refused by
name. That a training step's loss and gradient equal Likewise's on the same cases is
Tests/ModelsTests/TorchBridgeTests.swift's."""
import os
import pathlib
import shutil
import signal
import subprocess
import sys

import numpy as np
import pytest
import torch
from PIL import Image
from safetensors import safe_open

import likewise_torch as lt
from likewise_torch.augment import Augmentation
from likewise_torch.cases import Cases
from likewise_torch.edit import networks_edit

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "python" / "likewise_torch"
PHOTOS = ROOT / "Notebooks" / "data" / "photos"


@pytest.fixture(scope="module")
def likewise():
    binary = os.environ.get("LIKEWISE_BIN", str(ROOT / ".build" / "debug" / "likewise"))
    assert os.access(binary, os.X_OK), f"{binary} is missing: swift build --product likewise makes it (make test builds it first)"
    return binary


def run(command, **options):
    """Runs `command` with the package from the source tree; fails showing its output unless it succeeds."""
    environment = {**os.environ, "PYTHONPATH": str(PACKAGE), "OMP_NUM_THREADS": "1"}
    done = subprocess.run(command, capture_output=True, text=True, env=environment, timeout=600, **options)
    assert done.returncode == 0, f"{command} exited {done.returncode}:\n{done.stdout}\n{done.stderr}"
    return done.stdout + done.stderr


def train(*arguments, processes=1):
    launcher = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}"] if processes > 1 else [sys.executable]
    return run(launcher + ["-m", "likewise_torch.train", *map(str, arguments)])


def refused(*arguments):
    environment = {**os.environ, "PYTHONPATH": str(PACKAGE)}
    done = subprocess.run([sys.executable, "-m", "likewise_torch.train", *map(str, arguments)], capture_output=True, text=True,
                          env=environment, timeout=300)
    assert done.returncode != 0, done.stdout
    assert "Traceback" not in done.stderr, done.stderr
    return done.stderr


def contents(path):
    with safe_open(str(path), framework="numpy") as f:
        return {name: f.get_tensor(name) for name in f.keys()}, dict(f.metadata())


@pytest.fixture(scope="module")
def design(likewise, tmp_path_factory):
    """An untrained tiny structural effect with diffusion on 5 pairs of a built-in task, saved by Likewise."""
    path = tmp_path_factory.mktemp("design") / "design.safetensors"
    run([likewise, "train", "--task", "blue_eyes", "--pairs", "5", "--preset", "tiny", "--pairing", "structural",
         "--diffusion", "--steps", "2", "--seed", "4", "--out", str(path)])
    return path


def odd_photos(folder):
    """Two of the photographs at odd sizes, as PNG (JPEG's encoders would differ on their own)."""
    folder.mkdir()
    for name, size in (("astronaut_0.jpg", (203, 131)), ("coffee_1.jpg", (77, 120))):
        with Image.open(PHOTOS / "source" / name) as photo:
            photo.convert("RGB").resize(size).save(folder / (name[:-4] + ".png"))
    return folder


def test_an_effect_trained_under_torchrun_comes_back_to_likewise(likewise, design, tmp_path):
    trained = tmp_path / "trained.safetensors"
    output = train(design, "--out", trained, "--steps", 20, "--save-every", 8, processes=2)
    assert "steps 2 → 22" in output and "batch 4 × 2 processes on cpu" in output
    before, _ = contents(design)
    after, metadata = contents(trained)
    assert metadata["step"] == "22" and len(after["trainer.losses"]) == 22
    np.testing.assert_array_equal(after["trainer.losses"][:2], before["trainer.losses"])
    for prefix in ("model.head.", "model.denoiser.", "optimizer.exp_avg."):
        moved = [n for n in before if n.startswith(prefix) and not np.array_equal(before[n], after[n])]
        assert len(moved) > 10, f"{prefix}: training moved {len(moved)} tensors"
    np.testing.assert_array_equal(after["flow.block.0.weight"], before["flow.block.0.weight"])  # Mx is not trained unless end to end
    np.testing.assert_array_equal(after["pairs.source"], before["pairs.source"])

    # Likewise edits photographs of odd sizes with it as the bridge does, within one level.
    photos = odd_photos(tmp_path / "photos")
    run([likewise, "apply", str(trained), str(photos), str(tmp_path / "likewise"), "--refs", "2"])
    effect = lt.load(str(trained))
    for photo in sorted(photos.iterdir()):
        effect.edit_file(str(photo), str(tmp_path / f"bridge-{photo.name}"), references=2)
        ours = np.asarray(Image.open(tmp_path / f"bridge-{photo.name}"), dtype=int)
        theirs = np.asarray(Image.open(tmp_path / "likewise" / photo.name), dtype=int)
        assert ours.shape == theirs.shape == np.asarray(Image.open(photo)).shape
        assert np.abs(ours - theirs).max() <= 1, f"{photo.name}: differs by {np.abs(ours - theirs).max()} levels"

    # And Likewise takes it as its own: its pairs whole, its training state continued.
    script = tmp_path / "continue.lw"
    script.write_text(f'let m = loadModel("{trained}")\ntrain(m, steps: 2, plot: false)\nsave(m, "{tmp_path / "again.safetensors"}")\n')
    said = run([likewise, "run", str(script)])
    assert "trained 2 steps" in said and "damaged" not in said and "differ" not in said, said
    assert contents(tmp_path / "again.safetensors")[1]["step"] == "24"


def test_a_stopped_run_resumed_ends_where_the_whole_run_does(design, tmp_path):
    whole, part = tmp_path / "whole.safetensors", tmp_path / "part.safetensors"
    train(design, "--out", whole, "--steps", 6)
    train(design, "--out", part, "--steps", 3)
    said = train(design, "--out", part, "--steps", 6, "--resume")
    assert "resuming from" in said and "steps 5 → 8" in said
    a, _ = contents(whole)
    b, _ = contents(part)
    assert set(a) == set(b)
    np.testing.assert_allclose(b["trainer.losses"], a["trainer.losses"], rtol=1e-5)
    for name in a:
        np.testing.assert_allclose(b[name], a[name], rtol=1e-4, atol=1e-6, err_msg=name)


def region_error(effect):
    """The mean |edit − truth| where the edit is, over every pair edited with the next as reference."""
    errors = []
    for j in range(len(effect.sources)):
        edited = networks_edit(effect, effect.sources[j], [(j + 1) % len(effect.sources)], steps=0)
        region = (effect.targets[j] - effect.sources[j]).abs().amax(0) > 0.02
        errors.append((edited - effect.targets[j]).abs().amax(0)[region].mean().item())
    return sum(errors) / len(errors)


def test_training_learns_the_edit_from_real_photographs(likewise, tmp_path):
    untrained, trained = tmp_path / "untrained.safetensors", tmp_path / "trained.safetensors"
    run([likewise, "train", "--data", str(PHOTOS), "--preset", "tiny", "--pairing", "structural", "--steps", "0",
         "--out", str(untrained)])
    said = train(untrained, "--data", PHOTOS, "--size", 48, "--steps", 60, "--out", trained)
    assert "12 pairs at 48 px" in said
    effect = lt.load(str(trained))
    assert effect.design["size"] == 48 and tuple(effect.sources.shape) == (12, 3, 48, 48)
    start = lt.load(str(untrained))
    # The same pairs at 48 px, from the untrained weights: the head starts at "no correction".
    start.sources, start.targets, start.design["size"] = effect.sources, effect.targets, 48
    before, after = region_error(start), region_error(effect)
    assert after < 0.8 * before, f"the error where the edit is went from {before:.4f} to {after:.4f}"


def test_an_end_to_end_effect_trains_its_flow_and_a_direct_one_its_head(likewise, tmp_path):
    for name, flags in (("e2e", ["--pairing", "implicit", "--end-to-end", "--transform-channels"]), ("direct", ["--pairing", "one2one"])):
        start, trained = tmp_path / f"{name}.safetensors", tmp_path / f"{name}-trained.safetensors"
        run([likewise, "train", "--task", "old", "--pairs", "4", "--preset", "tiny", *flags, "--steps", "1", "--out", str(start)])
        train(start, "--out", trained, "--steps", 3)
        before, _ = contents(start)
        after, metadata = contents(trained)
        assert metadata["step"] == "4"
        flow = [n for n in before if n.startswith("model.flow.")]
        assert bool(flow) == (name == "e2e")
        assert all(not np.array_equal(before[n], after[n]) for n in flow)
        photos = odd_photos(tmp_path / f"{name}-photos")
        said = run([likewise, "apply", str(trained), str(photos), str(tmp_path / f"{name}-edits")])
        assert "damaged" not in said and len(list((tmp_path / f"{name}-edits").glob("*.png"))) == 2


def test_bad_input_is_refused_by_name(design, tmp_path):
    folder = tmp_path / "pairs"
    folder.mkdir()
    Image.new("RGB", (20, 10)).save(folder / "a_src.png")
    Image.new("RGB", (10, 20)).save(folder / "a_tgt.png")
    Image.new("RGB", (8, 8)).save(folder / "b_src.png")
    (folder / "notes.txt").write_text("hello")
    said = refused(design, "--data", folder, "--out", tmp_path / "out.safetensors")
    assert "3 problems" in said and "a: source is 20×10 but target is 10×20" in said
    assert "b: has a source but no target" in said and "notes.txt: not a PNG or JPEG file" in said
    assert "--size 64 needs --data" in refused(design, "--size", 64, "--out", tmp_path / "out.safetensors")
    assert "--size must be a multiple of 16" in refused(design, "--size", 50, "--out", tmp_path / "out.safetensors")
    assert "no such file" in refused(tmp_path / "missing.safetensors", "--out", tmp_path / "out.safetensors")
    assert not (tmp_path / "out.safetensors").exists()
    # A resumed run goes on as it started: another size or other pairs are refused, not ignored.
    started = tmp_path / "started.safetensors"
    shutil.copy(design, started)
    assert "trained with size 32, not 48" in refused(design, "--out", started, "--resume", "--size", 48, "--data", PHOTOS)
    assert "trained on other pairs than" in refused(design, "--out", started, "--resume", "--data", PHOTOS)


def test_the_out_folder_is_made_before_training(design, tmp_path):
    out = tmp_path / "new" / "deeper" / "one.safetensors"
    assert "saved" in train(design, "--out", out, "--steps", 1) and contents(out)[1]["step"] == "3"


def test_an_augmentation_carries_mx_with_its_images():
    """The flow's channels scale with the zoom and mirror with the flip; a colour map conjugated by
    the jitter maps jittered colours as the map mapped the originals."""
    augmentation = Augmentation(flip=True, scale=1.1, offset_x=0.3, offset_y=-0.2, brightness=0.04, contrast=0.93, gains=(1.02, 0.97, 1.04))
    m = torch.tensor([[0.9, 0.1, 0.0, 0.05], [0.0, 1.1, -0.1, 0.0], [0.05, 0.0, 0.8, 0.1]])
    identity = torch.tensor([[1.0, 0, 0, 0], [0, 1, 0, 0], [0, 0, 1, 0]])
    channels = torch.cat([torch.tensor([2.0, -1.0]), (m - identity).reshape(12)])[:, None, None].expand(14, 6, 6)
    carried = augmentation.transformation(channels)[:, 3, 3]
    assert torch.allclose(carried[:2], torch.tensor([-2.2, -1.1]))
    conjugated = carried[2:].reshape(3, 4) + identity
    colour = torch.tensor([0.2, 0.5, 0.7])
    jitter = lambda v: ((v - 0.5) * augmentation.contrast + 0.5 + augmentation.brightness) * torch.tensor(augmentation.gains)
    assert torch.allclose(conjugated[:, :3] @ jitter(colour) + conjugated[:, 3], jitter(m[:, :3] @ colour + m[:, 3]), atol=1e-6)


def test_the_processes_share_every_epoch_each_case_once():
    effect = type("Effect", (), dict(sources=torch.zeros(6, 3, 8, 8), targets=torch.zeros(6, 3, 8, 8), design=dict(pairing="structural")))
    for world in (1, 2, 4):
        streams = [Cases(effect, 4, 7, rank, world) for rank in range(world)]
        for epoch in (0, 1):
            drawn = [s.case(k) for s in streams for k in range(epoch * s.share, (epoch + 1) * s.share)]
            assert len(set(drawn)) == len(drawn) == 30 - 30 % world and all(i != j for i, j in drawn)
    assert [streams[0].case(k) for k in range(7)] != [streams[0].case(k) for k in range(7, 14)]  # epochs differ
    with pytest.raises(lt.EffectError, match="2 cases, fewer than the 3 processes"):
        Cases(type("Effect", (), dict(sources=torch.zeros(2, 3, 8, 8), targets=torch.zeros(2, 3, 8, 8), design=dict(pairing="one2one"))), 4, 7, 0, 3)


@pytest.mark.parametrize("processes", [1, 2])
def test_ctrl_c_keeps_the_last_finished_step(design, tmp_path, processes):
    out = tmp_path / "stopped.safetensors"
    launcher = [sys.executable, "-m", "torch.distributed.run", f"--nproc_per_node={processes}"] if processes > 1 else [sys.executable]
    environment = {**os.environ, "PYTHONPATH": str(PACKAGE), "OMP_NUM_THREADS": "1", "PYTHONUNBUFFERED": "1"}
    process = subprocess.Popen(launcher + ["-m", "likewise_torch.train", str(design), "--out", str(out), "--steps", "5000"],
                               stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=environment)
    seen = []
    for line in process.stdout:
        seen.append(line)
        if line.startswith("step "):
            break
    process.send_signal(signal.SIGINT)
    output, _ = process.communicate(timeout=120)
    said = "".join(seen) + output
    # torchrun itself reports the signal with a traceback of its own; the processes stop cleanly.
    assert process.returncode != 0 and "stopped after step" in said and "likewise_torch" not in said.split("stopped after step")[1], said
    assert processes > 1 or "Traceback" not in said, said
    _, metadata = contents(out)
    step = int(metadata["step"])
    assert 3 <= step < 5002, said
    tensors, _ = contents(out)
    assert len(tensors["trainer.losses"]) == step  # whole: the weights and curve of one finished step
