# The two commands of the README: `make demo` and `make test`.
SWIFT ?= swift

.PHONY: demo test deps build release bench clean

deps:
	@scripts/install-deps.sh

build: deps
	$(SWIFT) build

release: deps
	$(SWIFT) build -c release

## The main job on the embedded default: the built-in task's pairs and pictures as PNGs in out/.
demo: release
	.build/release/likewise demo --out out

## Every test: the engine's, the language's, the system libraries', and the command line's.
test: deps
	$(SWIFT) build --build-tests
	$(SWIFT) test
	$(SWIFT) build --product likewise
	bash Tests/cli/run.sh .build/debug/likewise

## Speed targets (release build): convolutions against this machine's sgemm, allocations per step,
## PNG encoding and task drawing.
bench: release
	.build/release/likewise bench ops
	.build/release/likewise bench images

clean:
	rm -rf .build out
