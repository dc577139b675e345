"""A real notebook executed by nbclient (what nbconvert --execute and papermill use) on the kernel."""
import base64
import unittest

import nbformat
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError


def notebook(*sources):
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "likewise", "display_name": "Likewise", "language": "likewise"}
    nb.cells = [nbformat.v4.new_code_cell(s) for s in sources]
    return nb


class NotebookTests(unittest.TestCase):
    def test_a_notebook_runs_top_to_bottom_with_pictures(self):
        nb = notebook('let pairs = synth("blue_eyes", count: 4, size: 32, seed: 1)\nprint("pairs:", pairs.count)',
                      "grid(pairs)",
                      "vars()")
        NotebookClient(nb, timeout=120, kernel_name="likewise").execute()
        self.assertEqual(nb.cells[0].outputs[0]["text"], "pairs: 4\n")
        picture = nb.cells[1].outputs[0]
        self.assertEqual(picture["output_type"], "execute_result")
        self.assertTrue(base64.b64decode(picture["data"]["image/png"]).startswith(b"\x89PNG"))
        self.assertIn("<table>", nb.cells[2].outputs[0]["data"]["text/html"])

    def test_an_error_stops_the_notebook_with_its_position(self):
        nb = notebook("let x = 1", "shwo(x)", "x")
        with self.assertRaises(CellExecutionError) as caught:
            NotebookClient(nb, timeout=60, kernel_name="likewise").execute()
        self.assertIn("1:1: unknown command 'shwo'", str(caught.exception))


if __name__ == "__main__":
    unittest.main()
