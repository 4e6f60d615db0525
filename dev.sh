#!/usr/bin/env bash
# The project's commands. Each installs what it needs first (scripts/setup.sh, idempotent).
#   ./dev.sh demo    run the main demo (examples/adapter_info.rs)
#   ./dev.sh test    run every test, the examples' checks, then the tests again in release (the CI command)
#   ./dev.sh lint    rustfmt and clippy, warnings as errors
#   ./dev.sh bench   the benchmark table (pass --quick for a short run)
#   ./dev.sh soak    every test binary N times, with timeouts: a table of passed/hung/crashed (scripts/soak.sh)
#   ./dev.sh mutate  the mutation check: deliberate bugs the tests must catch (scripts/mutations.toml)
#   ./dev.sh setup   only install (apt packages, the pinned Dawn kit)
set -euo pipefail
cd "$(dirname "$0")"
# The Vulkan loader warns without a runtime dir.
export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/dawn-rs-runtime}"
mkdir -p "$XDG_RUNTIME_DIR"

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  setup)
    bash scripts/setup.sh ;;
  demo)
    bash scripts/setup.sh
    cargo run --example adapter_info "$@" ;;
  test)
    bash scripts/setup.sh
    # dawn-sys in its default mode (Dawn loaded at run time) throughout, then in its `linked` mode.
    cargo test --workspace "$@"
    cargo test -p dawn-sys --no-default-features --features linked --test compute --test load
    # The examples' own checks: each exits non-zero when its result differs from the CPU's.
    for example in adapter_info hello_compute saxpy timestamps; do
      echo "example $example:"
      cargo run --quiet --example "$example"
    done
    # Once more optimized: the mapping fast paths are inlined there.
    cargo test --release --workspace "$@" ;;
  lint)
    bash scripts/setup.sh
    cargo fmt --all --check
    # The consumer crate's program is copied into a scratch crate, not compiled here.
    rustfmt --check --edition 2024 tests/consumer_crate/src/main.rs
    cargo clippy --workspace --all-targets -- -D warnings
    cargo clippy -p dawn-sys --all-targets --no-default-features --features linked -- -D warnings ;;
  mutate)
    bash scripts/setup.sh
    python3 scripts/mutate.py "$@" ;;
  bench)
    bash scripts/setup.sh
    cargo run --release --example bench -- "$@" ;;
  soak)
    bash scripts/setup.sh
    bash scripts/soak.sh "$@" ;;
  *)
    sed -n '2,9p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
