# The two commands of the README do all set-up: `make run` and `make test`.
SHELL := /bin/bash
export CARGO_BUILD_JOBS ?= 2
export CARGO ?= cargo

.PHONY: run test bench fuzz prereqs models servers build install

# Where `make install` puts the binary: $(PREFIX)/bin/slam.
PREFIX ?= $(HOME)/.local

run: prereqs models build
	./target/release/slam

# The release binary on PATH (with the test models fetched, as `make run` does).
install: prereqs models build
	install -d "$(PREFIX)/bin"
	install -m 755 target/release/slam "$(PREFIX)/bin/slam"
	@echo "installed $(PREFIX)/bin/slam"
	@case ":$$PATH:" in *":$(PREFIX)/bin:"*) ;; *) echo "note: $(PREFIX)/bin is not on your PATH; add it, e.g. echo 'export PATH=\"$(PREFIX)/bin:\$$PATH\"' >> ~/.bashrc" ;; esac

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
