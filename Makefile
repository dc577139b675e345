# The two commands of the README: `make demo` and `make test`.
SWIFT ?= swift

.PHONY: demo test sanitize deps build release bench notebooks clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The main job on a built-in task: an effect trained from 20 pairs, held-out edits scored, PNGs and
## out/index.html.
demo: release
	.build/release/likewise demo --out out

## Every test: the engine's, the models', the language's, the system libraries', the command
## line's and the Jupyter kernel's (driven by jupyter_client and jupyter_kernel_test from a venv,
## which also lets Swift tests read checkpoints with the safetensors package and write PNGs with
## Pillow; the notebooks run by nbclient and papermill, and in JupyterLab in Debian's Chromium),
## the PyTorch bridge's (python/likewise_torch, with PyPI's torch in .venv-torch, installed
## while the build runs),
## then the engine's, models', PNG codec's and language's tests again under the sanitizers. Each
## runner has a time limit; the end gives each one's counts, and a skip not allowed by
## Tests/allowed-skips.txt fails the run (scripts/test.sh).
test: deps
	scripts/python-venv.sh
	scripts/install-browser.sh
	scripts/test.sh

## The engine's, models', PNG codec's and language's tests under AddressSanitizer (with
## LeakSanitizer) over Swift and C, and UndefinedBehaviorSanitizer over the C targets (Swift on
## Linux has no -sanitize=undefined; its own overflow and bounds checks trap), in a build folder
## of their own. Optimised, as users run the code (with testing enabled for @testable imports):
## the same tests took 10 minutes on the debug build and 1.5 here. Left out: the test that
## training improves every pairing — four models trained for its numbers, which the sanitizers
## do not change, on paths the other training tests cover — and the PyTorch bridge's parity,
## whose other side is Python. Then the kernel built so, driven over
## ZeroMQ by the wire fuzzer, the kernel tests and the interrupt tests (about a minute): a report
## of either sanitizer is written to out/test-logs/asan-kernel.* (a C one also stops the kernel,
## failing its test), and any such file fails the run.
SANITIZE = -c release -Xswiftc -enable-testing --sanitize=address -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined \
  --scratch-path .build-sanitize
sanitize: deps
	scripts/python-venv.sh
	$(SWIFT) build --build-tests $(SANITIZE)
	$(SWIFT) build --product likewise $(SANITIZE)
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt $(SWIFT) test --skip-build $(SANITIZE) --filter 'EngineTests|ModelsTests|ScriptTests' \
	  --skip 'trainingImprovesEveryPairingOnHeldOutPairs|TorchBridgeTests'
	mkdir -p out/test-logs && rm -f out/test-logs/asan-kernel.*
	ASAN_OPTIONS=log_path=$(CURDIR)/out/test-logs/asan-kernel LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan-suppressions.txt \
	  LIKEWISE_BIN=$(CURDIR)/.build-sanitize/release/likewise .venv/bin/python -m pytest -q -rfEs \
	  Tests/kernel/test_wire_fuzz.py Tests/kernel/test_kernel.py Tests/kernel/test_interrupt.py
	@if ls out/test-logs/asan-kernel.* > /dev/null 2>&1; then cat out/test-logs/asan-kernel.*; echo "the kernel under the sanitizers reported the above"; exit 1; fi

## Speed targets (release build): convolutions against this machine's sgemm, the passes between
## them on one thread and two, allocations per step, PNG encoding, task drawing, the flow
## estimators' end-point error, the editor's steps and edits, each network's training step with
## its profile, a photo's edit at 1, 12 and 24 MP beside its JPEG decode and encode, and the kernel's start-up and round trip beside ipykernel. (bench/compare.sh puts
## the networks beside PyTorch.)
bench: release
	.build/release/likewise bench ops
	.build/release/likewise bench images
	.build/release/likewise bench flow
	.build/release/likewise bench editor
	.build/release/likewise bench train --profile
	.build/release/likewise bench edit
	.build/release/likewise bench apply
	.build/release/likewise bench memory
	.build/release/likewise bench lift
	scripts/python-venv.sh
	.venv/bin/pip install --quiet --disable-pip-version-check ipykernel
	.venv/bin/python bench/kernel.py .build/release/likewise

## Every notebook of Notebooks/ run in the full profile on the release kernel, written with its
## outputs to docs/notebooks/ — the pictures and numbers the notebooks' text talks about
## (scripts/run-notebooks.sh; about 30 minutes here).
notebooks: deps
	scripts/run-notebooks.sh

clean:
	rm -rf .build .build-sanitize out
