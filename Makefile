# The two commands of the README do all set-up: `make run` and `make test`.
SHELL := /bin/bash
export CARGO_BUILD_JOBS ?= 2
export CARGO ?= cargo

.PHONY: run test bench fuzz prereqs models servers build

run: prereqs models build
	./target/release/slam

test: prereqs models servers
	scripts/test

# Coverage-guided fuzzing of every parser of outside input (nightly), FUZZ_SECONDS in total.
fuzz: prereqs
	scripts/fuzz

bench: prereqs models build
	scripts/bench

build:
	$(CARGO) build --release

models:
	scripts/fetch-test-models

servers:
	scripts/setup-test-servers

prereqs:
	scripts/ensure-prereqs
