import pathlib
import sys

# The package from the source tree, as `pip install ./python/likewise_torch` would install it.
sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[2] / "python" / "likewise_torch"))
