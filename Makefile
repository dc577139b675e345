# The two commands of the README: `make demo` and `make test`.
SWIFT ?= swift

.PHONY: demo test deps build release bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The main job on the embedded default: trains the toy network and prints its loss as JSON lines.
demo: release
	.build/release/likewise demo

## Every test: the engine's and the system libraries'.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test

## Speed targets (release build): convolutions against this machine's sgemm, allocations per step.
bench: release
	.build/release/likewise bench ops

clean:
	rm -rf .build out
