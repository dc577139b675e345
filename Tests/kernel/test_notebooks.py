"""The notebooks in Notebooks/, as a user runs them: top to bottom on the installed kernel (with
LIKEWISE_PROFILE=ci, which shrinks every run), and swept by papermill with parameters; and their
full runs published in docs/notebooks/ (make notebooks), which must be of the same cells."""
import base64
import os
import re
import shutil
import subprocess
import sys
import tempfile
import unittest

import nbformat
import pytest
from jupyter_client.manager import start_new_kernel
from nbclient import NotebookClient

NOTEBOOKS = os.path.join(os.path.dirname(__file__), "..", "..", "Notebooks")
PUBLISHED = os.path.join(os.path.dirname(__file__), "..", "..", "docs", "notebooks")
# How many PNG pictures each notebook must show at least, with the ci profile.
PICTURES = {"01-quickstart": 7, "02-flow-and-colour": 7, "03-vae-and-diffusion": 8, "04-your-own-photographs": 5, "05-why-n-to-n": 4,
            "06-what-to-edit-next": 6}


def pngs(cell):
    """The PNG pictures a cell shows."""
    return [base64.b64decode(o["data"]["image/png"]) for o in cell.get("outputs", []) if "image/png" in o.get("data", {})]


def text_of(cell):
    """Everything a cell printed or returned as text."""
    parts = []
    for o in cell.get("outputs", []):
        parts.append(o.get("text", ""))
        parts.append(o.get("data", {}).get("text/plain", ""))
    return "".join(parts)


@pytest.mark.timeout(900)  # a notebook runs on the debug build
class NotebookFolder(unittest.TestCase):
    def setUp(self):
        # A copy of the folder, so the notebooks' out/ and the papermill outputs stay out of the tree.
        self.work = tempfile.mkdtemp(prefix="likewise-notebooks-")
        self.addCleanup(shutil.rmtree, self.work, True)
        shutil.copytree(NOTEBOOKS, os.path.join(self.work, "Notebooks"))
        self.folder = os.path.join(self.work, "Notebooks")
        os.environ["LIKEWISE_PROFILE"] = "ci"
        self.addCleanup(os.environ.pop, "LIKEWISE_PROFILE", None)

    def test_every_notebook_is_clean_in_git_and_has_a_parameters_cell(self):
        names = sorted(n[:-6] for n in os.listdir(NOTEBOOKS) if n.endswith(".ipynb"))
        self.assertEqual(names, sorted(PICTURES))
        # JupyterLab writes the kernel's language_info and kernelspec into a notebook it opens: a
        # notebook that holds anything else shows as modified before the user has touched it.
        km, kc = start_new_kernel(kernel_name="likewise")
        try:
            kc.kernel_info()
            language_info = kc.get_shell_msg(timeout=30)["content"]["language_info"]
        finally:
            kc.stop_channels()
            km.shutdown_kernel(now=True)
        for name in names:
            nb = nbformat.read(os.path.join(NOTEBOOKS, name + ".ipynb"), as_version=4)
            nbformat.validate(nb)
            self.assertEqual(nb.metadata.kernelspec, {"name": "likewise", "display_name": "Likewise", "language": "likewise"}, name)
            self.assertEqual(nb.metadata.language_info, language_info, name)
            # Written as Jupyter writes it (sorted keys, one-space indent): a save changes no byte.
            with open(os.path.join(NOTEBOOKS, name + ".ipynb"), encoding="utf-8") as f:
                self.assertEqual(f.read(), nbformat.writes(nb) + "\n", f"{name} is not as Jupyter writes it")
            code = [c for c in nb.cells if c.cell_type == "code"]
            self.assertIn("parameters", code[0].metadata.get("tags", []), name)
            for cell in code:
                self.assertEqual((cell.outputs, cell.execution_count), ([], None), f"{name}: outputs are cleared in git")

    def run_notebook(self, name):
        nb = nbformat.read(os.path.join(self.folder, name + ".ipynb"), as_version=4)
        NotebookClient(nb, timeout=600, kernel_name="likewise", resources={"metadata": {"path": self.folder}}).execute()
        # The profile cell says that a quick run's numbers mean nothing, and where the full run is.
        profile = next(c for c in nb.cells if c.cell_type == "code" and "LIKEWISE_PROFILE" in c.source)
        self.assertIn("its numbers and pictures are not meaningful", text_of(profile), name)
        self.assertIn(f"docs/notebooks/{name}.ipynb", text_of(profile), name)
        return nb

    def check_pictures(self, name, nb):
        pictures = [p for cell in nb.cells for p in pngs(cell)]
        self.assertGreaterEqual(len(pictures), PICTURES[name], name)
        self.assertTrue(all(p.startswith(b"\x89PNG\r\n\x1a\n") for p in pictures))

    def training_cell(self, nb):
        return next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("train("))

    def test_quickstart_runs_trains_in_place_evaluates_saves_and_applies(self):
        nb = self.run_notebook("01-quickstart")
        self.check_pictures("01-quickstart", nb)
        # The training cell's loss plot and progress line are displays updated in place, not a
        # line a step.
        training = self.training_cell(nb)
        self.assertLessEqual(len(training.outputs), 4, training.outputs)
        self.assertEqual(len(pngs(training)), 1)
        self.assertIn("trained 20 steps in", text_of(training))
        table = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("evaluate("))
        self.assertIn("edit PSNR", table.outputs[0]["data"]["text/html"])
        self.assertIn("identity", table.outputs[0]["data"]["text/html"])
        out = os.path.join(self.folder, "out", "quickstart")
        self.assertTrue(os.path.exists(os.path.join(out, "effect.safetensors")))
        self.assertEqual(sorted(os.listdir(os.path.join(out, "edited"))), [".likewise-apply"] + [f"photo{k}.png" for k in range(4)])

    def test_flow_and_colour_scores_the_flow_against_the_truth(self):
        nb = self.run_notebook("02-flow-and-colour")
        self.check_pictures("02-flow-and-colour", nb)
        printed = "".join(text_of(c) for c in nb.cells)
        self.assertRegex(printed, r"end-point error, learned: [0-9.]+ px")
        for task in ["blue_eyes", "big_smile", "old", "sleepy", "day_to_night", "ancient_font"]:
            self.assertRegex(printed, task + r": learned [0-9.]+ px, Horn–Schunck [0-9.]+ px")

    def test_vae_and_diffusion_measures_the_ceiling_trains_a_refiner_and_follows_ddim(self):
        nb = self.run_notebook("03-vae-and-diffusion")
        self.check_pictures("03-vae-and-diffusion", nb)
        printed = "".join(text_of(c) for c in nb.cells)
        self.assertRegex(printed, r"diffusion +yes, 10 DDIM steps an edit by default")
        self.assertIn("VAE pair on a structural model's cases: latent 16×16×4, 10 steps, with and without skips", printed)
        ceiling = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("ceiling("))
        self.assertIn("<td>vae</td>", ceiling.outputs[0]["data"]["text/html"])
        self.assertIn("<td>vae-noskip</td>", ceiling.outputs[0]["data"]["text/html"])
        for steps in [0, 1, 4, 10]:
            self.assertRegex(printed, rf"DDIM steps {steps} -> [0-9.]+ dB where the edit is \(identity [0-9.]+ dB\), "
                                      r"[0-9.]+ dB whole image, sharpness [0-9.]+")
        # The tune cell shows its widget (test_kernel checks a diffusion model's sliders).
        tune = next(c for c in nb.cells if c.cell_type == "code" and c.source.startswith("let t = tune("))
        self.assertTrue(any("application/vnd.jupyter.widget-view+json" in o.get("data", {}) for o in tune.outputs), tune.outputs)

    def test_your_own_photographs_are_learned_and_edited_at_their_own_size(self):
        nb = self.run_notebook("04-your-own-photographs")
        self.check_pictures("04-your-own-photographs", nb)
        printed = "".join(text_of(c) for c in nb.cells)
        self.assertIn("9 to train, 3 held out", printed)
        # The portrait stored on its side comes back upright, at its own size.
        self.assertIn("in 600 × 900 out 600 × 900", printed)
        self.assertIn("apply: 2 edited, 0 already done, 0 unreadable", printed)
        edited = os.path.join(self.folder, "out", "own", "edited")
        self.assertEqual(sorted(os.listdir(edited)), [".likewise-apply", "astronaut.jpg", "coffee_portrait.jpg"])

    def test_why_n_to_n_follows_three_models_on_held_out_pairs(self):
        nb = self.run_notebook("05-why-n-to-n")
        self.check_pictures("05-why-n-to-n", nb)
        printed = "".join(text_of(c) for c in nb.cells)
        for pairing in ["structural", "one2one", "pix2pix"]:
            self.assertRegex(printed, pairing + r": [0-9.]+ dB where the edit is \(identity [0-9.]+ dB\), [0-9.]+ dB whole image; "
                                                r"on its training pairs [0-9.]+ dB where the edit is")
        # plot: false, as the text says: one progress line updated in place, a summary a round, no loss plot.
        training = next(c for c in nb.cells if c.cell_type == "code" and "plot: false" in c.source)
        self.assertEqual(text_of(training).count("trained 5 steps in"), 6)
        self.assertEqual(sum("train: step" in o.get("data", {}).get("text/plain", "") for o in training.outputs), 1,
                         training.outputs)
        self.assertEqual(len(pngs(training)), 1)  # the held-out plot, drawn at the end

    def test_what_to_edit_next_maps_the_doubt_suggests_a_photo_and_trains_again_with_it(self):
        nb = self.run_notebook("06-what-to-edit-next")
        self.check_pictures("06-what-to-edit-next", nb)
        printed = "".join(text_of(c) for c in nb.cells)
        self.assertIn("9 to train, 3 held out", printed)
        # confidence and edit(…, confidence: true): four references each, the edit at the photo's own size.
        self.assertEqual(len(re.findall(r"references: \w+, \w+, \w+, \w+; mean spread [0-9.]+", printed)), 2, printed)
        self.assertIn("in 960 × 640 out 960 × 640", printed)
        # suggest ranks the three held-out sources, saved as a folder of unedited photos, and the
        # first one's pair is added.
        unedited = sorted(os.listdir(os.path.join(self.folder, "out", "next", "unedited")))
        sources = {n.rsplit(".", 1)[0] for n in os.listdir(os.path.join(self.folder, "data", "photos", "source"))}
        self.assertEqual(len(unedited), 3)
        self.assertTrue(all(n.endswith(".png") and n[:-4] in sources for n in unedited), unedited)
        first = re.search(r"1\. (\w+)\.png: the least sure of 3 \(mean spread [0-9.]+\); \w+ least like the training pairs of 3", printed)
        self.assertIsNotNone(first, printed)
        self.assertRegex(printed, r"2\. \w+\.png: 2nd least sure of 3 ")
        self.assertIn(f"adding {first.group(1)} to 9 training pairs", printed)
        tables = [c for c in nb.cells if c.cell_type == "code" and c.source.startswith("evaluate(")]
        self.assertEqual(len(tables), 2)
        for table in tables:
            self.assertIn("<td>identity</td>", table.outputs[0]["data"]["text/html"])

    def test_papermill_sweeps_a_notebook_with_parameters(self):
        papermill = os.path.join(os.path.dirname(sys.executable), "papermill")
        outputs = {}
        for task in ["old", "sleepy"]:
            target = os.path.join(self.work, f"flow-{task}.ipynb")
            subprocess.run([papermill, os.path.join(self.folder, "02-flow-and-colour.ipynb"), target,
                            "-p", "task", task, "-p", "b", "2", "--cwd", self.folder],
                           check=True, capture_output=True, timeout=600)
            nb = nbformat.read(target, as_version=4)
            injected = next(c for c in nb.cells if "injected-parameters" in c.metadata.get("tags", []))
            self.assertEqual(injected.source, f'// Parameters\nlet task = "{task}"\nlet b = 2\n')
            outputs[task] = [p for c in nb.cells for p in pngs(c)]
        # The parameters reached the kernel: the pictures of the two runs differ.
        self.assertNotEqual(outputs["old"][0], outputs["sleepy"][0])


class PublishedNotebooks(unittest.TestCase):
    """docs/notebooks/: each notebook of Notebooks/ with the outputs of a full run."""

    def test_each_notebook_is_published_with_the_outputs_of_its_own_cells(self):
        names = sorted(n for n in os.listdir(NOTEBOOKS) if n.endswith(".ipynb"))
        self.assertEqual(sorted(n for n in os.listdir(PUBLISHED) if n.endswith(".ipynb")), names)
        for name in names:
            source = nbformat.read(os.path.join(NOTEBOOKS, name), as_version=4)
            path = os.path.join(PUBLISHED, name)
            published = nbformat.read(path, as_version=4)
            nbformat.validate(published)
            with open(path, encoding="utf-8") as f:
                self.assertEqual(f.read(), nbformat.writes(published) + "\n", f"docs/notebooks/{name} is not as nbformat writes it")
            self.assertEqual(published.metadata.kernelspec, source.metadata.kernelspec, name)
            # The same cells, text and code: what a reader sees is what the code in Notebooks/ shows.
            self.assertEqual([(c.cell_type, c.source) for c in published.cells], [(c.cell_type, c.source) for c in source.cells],
                             f"docs/notebooks/{name} is not of Notebooks/{name}'s cells: run make notebooks")
            code = [c for c in published.cells if c.cell_type == "code"]
            # Run top to bottom in one session, without an error, in the full profile.
            self.assertEqual([c.execution_count for c in code], list(range(1, len(code) + 1)), name)
            for k, cell in enumerate(code):
                self.assertEqual([o for o in cell.outputs if o.output_type == "error"], [], f"{name}: code cell {k}")
                # Only the parameters and the profile cell, which bind names, may show nothing.
                if k > 1:
                    self.assertTrue(cell.outputs, f"{name}: code cell {k} shows nothing:\n{cell.source}")
            printed = "".join(text_of(c) for c in code)
            self.assertNotIn("not meaningful", printed, f"{name} was published from a quick run")
            self.assertTrue(any(pngs(c) for c in code), name)


class LikewiseTranslatorTests(unittest.TestCase):
    def test_python_values_become_likewise_literals(self):
        from likewise_papermill import LikewiseTranslator
        code = LikewiseTranslator.codify({"task": 'say "hi"\n\tthen\\', "n": 3, "rate": 0.25, "on": True,
                                          "none": None, "sizes": [32, 64.5, "x", False]})
        self.assertEqual(code, '// Parameters\nlet task = "say \\"hi\\"\\n\\tthen\\\\"\nlet n = 3\nlet rate = 0.25\n'
                               'let on = true\nlet none = nil\nlet sizes = [32, 64.5, "x", false]\n')
        for bad in [{"d": {"a": 1}}, {"x": float("nan")}, {"not a name": 1}]:
            with self.assertRaises(ValueError):
                LikewiseTranslator.codify(bad)

    def test_papermill_finds_the_translator_by_itself(self):
        from papermill.translators import papermill_translators
        self.assertEqual(papermill_translators.find_translator("likewise", "likewise").__name__, "LikewiseTranslator")


if __name__ == "__main__":
    unittest.main()
