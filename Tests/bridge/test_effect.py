"""likewise_torch.load: the design read (and migrated from an effect saved before designs), the
networks built from it, and every way a file can fail to fit it refused with the tensor named.
The networks' outputs against Likewise's are Tests/ModelsTests/TorchBridgeTests.swift's."""
import json
import pathlib

import numpy as np
import pytest
import torch
from safetensors import safe_open
from safetensors.numpy import save_file

import likewise_torch as lt
from likewise_torch.effect import likewise_to_torch, torch_to_likewise

EFFECTS = pathlib.Path(__file__).resolve().parents[1] / "Fixtures" / "effects"
STRUCTURAL = str(EFFECTS / "structural-tiny.safetensors")
DIFFUSION = str(EFFECTS / "one2one-diffusion-tiny.safetensors")


def contents(path):
    with safe_open(path, framework="numpy") as f:
        return {name: f.get_tensor(name) for name in f.keys()}, dict(f.metadata())


def rewritten(tmp_path, path, change):
    """A copy of the effect at `path` with `change(tensors, metadata)` applied."""
    tensors, metadata = contents(path)
    change(tensors, metadata)
    out = str(tmp_path / "changed.safetensors")
    save_file(tensors, out, metadata=metadata)
    return out


def test_an_effect_saved_before_designs_loads_with_its_networks():
    effect = lt.load(STRUCTURAL)
    assert effect.design["pairing"] == "structural" and effect.design["preset"] == "tiny"
    assert effect.head.input.in_channels == 12 == lt.head_input_channels(effect.design)
    assert effect.denoiser is None and effect.flow is not None
    assert effect.names == ["blue_eyes_0", "blue_eyes_1", "blue_eyes_2"]
    assert effect.sources.shape == effect.targets.shape == (3, 3, 32, 32)
    assert effect.steps == 5
    tensors, _ = contents(STRUCTURAL)
    # The weights are the file's, in PyTorch's layout.
    np.testing.assert_array_equal(effect.head.input.weight.detach().numpy(), tensors["model.head.input.weight"].transpose(3, 2, 0, 1))
    np.testing.assert_array_equal(effect.head.attention.key.weight.detach().numpy(), tensors["model.head.attention.key.weight"].T)
    np.testing.assert_array_equal(effect.flow.block[0].bias.detach().numpy(), tensors["flow.block.0.bias"])


def test_a_diffusion_effect_has_its_denoiser():
    effect = lt.load(DIFFUSION)
    assert effect.design["pairing"] == "one2one" and effect.design["diffusion"]
    assert effect.head.input.in_channels == 3
    assert effect.denoiser.input.in_channels == 3 + 3 + 3 and effect.denoiser.time is not None


def test_layouts_convert_both_ways():
    for shape in ([3, 3, 12, 8], [16, 16], [8]):
        t = torch.randn(shape)
        assert torch.equal(torch_to_likewise("w", likewise_to_torch("w", t)), t)


@pytest.mark.parametrize("change, message", [
    (lambda t, m: t.pop("model.head.output.weight"), "tensor 'model.head.output.weight' is missing"),
    (lambda t, m: t.update({"model.head.input.weight": np.zeros([3, 3, 11, 8], np.float32)}),
     "tensor 'model.head.input.weight' has shape [3, 3, 11, 8], and the design's network needs [3, 3, 12, 8]"),
    (lambda t, m: t.update({"model.head.spare.weight": np.zeros([4], np.float32)}),
     "tensor 'model.head.spare.weight' is not part of the design's network"),
    (lambda t, m: t.pop("flow.block.4.bias"), "tensor 'flow.block.4.bias' is missing"),
    (lambda t, m: m.update({"checkpoint.sha256": json.dumps({"model.head.input.weight": "0" * 64})}),
     "do not match the SHA-256 saved with them ('model.head.input.weight' first): the file is damaged"),
    (lambda t, m: m.update({"format": "something-else"}), "not a Likewise checkpoint"),
    (lambda t, m: m.update({"editor.design": json.dumps({"version": 2, "preset": "tiny", "pairing": "structural"})}), "newer than this bridge reads"),
    (lambda t, m: m.update({"editor.pairing": "sideways"}), "unknown pairing 'sideways'"),
    (lambda t, m: m.update({"editor.preset": "huge"}), "unknown preset 'huge'"),
    (lambda t, m: m.update({"editor.format": "1"}), "editor format '1'"),
    (lambda t, m: m.update({"editor.design": json.dumps({"version": 1, "preset": "tiny", "pairing": "structural", "view": "fisheye"})}),
     "its design's view is 'fisheye', which this bridge does not know (it knows squeeze, pad)"),
    (lambda t, m: m.update({"editor.design": json.dumps({"version": 1, "preset": "tiny", "pairing": "structural", "lift": "magic"})}),
     "its design's lift is 'magic'"),
])
def test_a_file_that_does_not_fit_its_design_is_refused_naming_why(tmp_path, change, message):
    path = rewritten(tmp_path, STRUCTURAL, change)
    with pytest.raises(lt.EffectError) as error:
        lt.load(path)
    assert message in str(error.value) and path in str(error.value)


def test_what_is_not_an_effect_is_refused_by_name(tmp_path):
    junk = tmp_path / "junk.safetensors"
    junk.write_bytes(b"not a checkpoint at all")
    with pytest.raises(lt.EffectError, match="junk.safetensors: not a safetensors file"):
        lt.load(str(junk))
    with pytest.raises(lt.EffectError, match="nowhere.safetensors: no such file"):
        lt.load(str(tmp_path / "nowhere.safetensors"))
    checkpoint = rewritten(tmp_path, STRUCTURAL, lambda t, m: [m.pop(k) for k in list(m) if k.startswith("editor.") and k != "editor.format"])
    with pytest.raises(lt.EffectError, match="holds no effect's design"):
        lt.load(checkpoint)


@pytest.mark.parametrize("name, references, steps", [("structural-tiny", 2, 0), ("one2one-diffusion-tiny", 1, 3)])
def test_an_edit_is_the_bytes_likewise_wrote(name, references, steps):
    """The fixture effects' edits of x at the working size, as that build's `likewise apply`
    wrote them (Tests/Fixtures/effects/README.md): with the refiner's DDIM steps from seed 5."""
    from likewise_torch.geometry import resized
    from likewise_torch.images import eight_bit, read_image
    from PIL import Image
    x, _ = read_image(str(EFFECTS / "x.png"))
    edited, chosen = lt.load(str(EFFECTS / f"{name}.safetensors")).edit(resized(x, 32, 32), references=references, steps=steps, seed=5)
    expected = np.asarray(Image.open(EFFECTS / f"{name}-x.png").convert("RGB"))
    np.testing.assert_array_equal(eight_bit(edited), expected)
    assert len(chosen) == (references if name.startswith("structural") else 0)


def test_edit_file_writes_the_photo_at_its_own_size(tmp_path):
    from likewise_torch.images import eight_bit, read_image
    from PIL import Image
    effect = lt.load(STRUCTURAL)
    for out in ("edited.png", "edited.jpg"):
        effect.edit_file(str(EFFECTS / "x.png"), str(tmp_path / out), references=2)
    x, _ = read_image(str(EFFECTS / "x.png"))
    edited, _ = effect.edit(x, references=2)
    written = np.asarray(Image.open(tmp_path / "edited.png"))
    assert written.shape == (40, 40, 3)
    np.testing.assert_array_equal(written, eight_bit(edited))
    assert Image.open(tmp_path / "edited.jpg").format == "JPEG"
    with pytest.raises(lt.EffectError, match="steps: 3 needs an effect with diffusion"):
        effect.edit(x, steps=3)


def test_an_effect_with_the_classical_flow_loads_and_says_it_cannot_carry(tmp_path):
    path = rewritten(tmp_path, STRUCTURAL, lambda t, m: m.update({"editor.flow": "{}"}))
    effect = lt.load(path)
    assert effect.flow is None and effect.design["flow"] == "horn-schunck"
    with pytest.raises(lt.EffectError, match="the bridge runs the learned flow network only"):
        effect.edit(torch.rand(3, 32, 32))
