"""likewise_torch.bench: the networks timed as Likewise's bench times them, on a device named."""
import json
import pathlib
import subprocess
import sys

PACKAGE = pathlib.Path(__file__).resolve().parents[2] / "python" / "likewise_torch"


def bench(*arguments):
    return subprocess.run([sys.executable, "-m", "likewise_torch.bench", *arguments], capture_output=True, text=True,
                          env={"PYTHONPATH": str(PACKAGE), "PATH": "/usr/bin:/bin"}, timeout=120)


def test_it_times_each_network_and_an_edit_as_json_lines():
    run = bench("--preset", "tiny", "--runs", "1", "--networks", "head", "denoiser", "--edit")
    assert run.returncode == 0, run.stderr
    lines = [json.loads(line) for line in run.stdout.splitlines()]
    steps = {line["network"]: line for line in lines if line["op"] == "train_step"}
    assert set(steps) == {"head", "denoiser"} and all(line["device"] == "cpu" for line in lines)
    # The parameter counts Likewise's tiny networks have (bench/compare.sh checks them against its side).
    assert steps["head"]["parameters"] == 12291 and steps["denoiser"]["parameters"] == 15123
    assert all(line["seconds"] > 0 and line["forward_seconds"] > 0 for line in steps.values())
    assert sorted((line["refs"], line["ddim_steps"]) for line in lines if line["op"] == "edit") == [(1, 0), (1, 10), (4, 0), (4, 10)]


def test_a_device_that_is_not_there_is_named():
    run = bench("--device", "cuda:99", "--networks", "head")
    assert run.returncode != 0 and "--device cuda:99: this PyTorch sees" in run.stderr
