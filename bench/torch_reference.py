#!/usr/bin/env python3
"""The editor's networks in PyTorch, timed as `likewise bench train` and `likewise bench edit` time
them: `likewise_torch.bench` (python/likewise_torch/likewise_torch/bench.py) from the source tree,
the PyTorch side of bench/compare.sh. Takes its options (`--help`)."""
import pathlib
import sys

sys.path.insert(0, str(pathlib.Path(__file__).resolve().parents[1] / "python" / "likewise_torch"))
from likewise_torch.bench import main  # noqa: E402

if __name__ == "__main__":
    main()
