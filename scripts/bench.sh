#!/usr/bin/env bash
# The benchmark suite across implementations: this crate and raw dawn-sys (examples/bench), the wgpu
# crate (peers/wgpu-bench) and PyTorch (scripts/torch_bench.py), merged into one table and one plot.
#
#   scripts/bench.sh build [KIT]        build release binaries here and gather everything a run needs
#                                       into KIT (default bench-kit/, git-ignored): bin/bench,
#                                       bin/wgpu-bench, lib/libwebgpu_dawn.so, torch_bench.py, bench.sh
#   KIT/bench.sh run OUT [OPTIONS]      run the suite from a kit (on any machine, no Rust needed): the
#                                       Dawn and wgpu processes alternate ABBA, then torch (where it has
#                                       CUDA), then the report: OUT/table.md, OUT/bench.png, OUT/*.json.
#                                       OPTIONS go to every process (examples/bench --help lists them);
#                                       BENCH_PAIRS=N runs N such ABBA cycles of processes
#   scripts/bench.sh lavapipe [OUT]     build, then run with sizes that fit lavapipe on this machine
#                                       (default OUT: bench-out/lavapipe)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"

# Sizes for a CPU Vulkan driver on a 2-core machine (the defaults are sized for a datacenter GPU).
LAVAPIPE_OPTIONS=(--matmul 256,512,1024 --add-log2 24 --transfer-mib 256 --map-mib 64 --copy-mib 64)

build() {
  local repo kit
  repo="$(cd "$here/.." && pwd)"
  kit="$(mkdir -p "${1:-$repo/bench-kit}" && cd "${1:-$repo/bench-kit}" && pwd)"
  # Small binaries: the kit travels (with the 21 MB Dawn library) under a 64 MiB limit.
  export CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true
  (cd "$repo" && cargo build --release --example bench)
  # The peer builds in its own target folder: it shares no dependency with the workspace.
  [ -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf ] || apt-get install -y fonts-dejavu-core
  local peer_target="${WGPU_BENCH_TARGET_DIR:-$repo/peers/wgpu-bench/target}"
  (cd "$repo/peers/wgpu-bench" && CARGO_TARGET_DIR="$peer_target" cargo build --release --locked)
  local target="${CARGO_TARGET_DIR:-$repo/target}"
  mkdir -p "$kit/bin" "$kit/lib"
  cp "$target/release/examples/bench" "$kit/bin/bench"
  cp "$peer_target/release/wgpu-bench" "$kit/bin/wgpu-bench"
  cp -L "$repo/third_party/dawn/lib/libwebgpu_dawn.so" "$kit/lib/"
  cp "$here/torch_bench.py" "$here/bench.sh" "$kit/"
  du -sh "$kit"
}

run() {
  local out="${1:?usage: bench.sh run OUT [OPTIONS]}"
  shift
  mkdir -p "$out"
  export LD_LIBRARY_PATH="$here/lib${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}"
  export XDG_RUNTIME_DIR="${XDG_RUNTIME_DIR:-/tmp/bench-runtime}"
  mkdir -p "$XDG_RUNTIME_DIR"
  # Keep NVIDIA's on-disk shader cache out of the cold pipeline-creation row.
  export __GL_SHADER_DISK_CACHE=0
  command -v nvidia-smi > /dev/null && nvidia-smi --query-gpu=name,driver_version --format=csv,noheader
  # Processes alternate ABBA: Dawn (this crate + raw, themselves alternating inside), wgpu, wgpu, Dawn;
  # BENCH_PAIRS such cycles (default 1): more processes average out where each one's code and threads land.
  local cycle
  for ((cycle = 1; cycle <= ${BENCH_PAIRS:-1}; cycle++)); do
    "$here/bin/bench" --json "$out/dawn-$cycle-a.json" "$@" | tee "$out/dawn-$cycle-a.txt"
    "$here/bin/wgpu-bench" run --json "$out/wgpu-$cycle-a.json" "$@" | tee "$out/wgpu-$cycle-a.txt"
    "$here/bin/wgpu-bench" run --json "$out/wgpu-$cycle-b.json" "$@" | tee "$out/wgpu-$cycle-b.txt"
    "$here/bin/bench" --json "$out/dawn-$cycle-b.json" "$@" | tee "$out/dawn-$cycle-b.txt"
  done
  if command -v python3 > /dev/null; then
    python3 "$here/torch_bench.py" --json "$out/torch.json" "$@" | tee "$out/torch.txt"
  else
    echo "no python3: no torch rows"
  fi
  local torch=()
  [ -f "$out/torch.json" ] && torch=("$out/torch.json")
  "$here/bin/wgpu-bench" report --md "$out/table.md" --png "$out/bench.png" \
    "$out"/dawn-*.json "$out"/wgpu-*.json "${torch[@]}"
}

command="${1:-}"
[ $# -gt 0 ] && shift
case "$command" in
  build) build "$@" ;;
  run) run "$@" ;;
  lavapipe)
    out="${1:-$here/../bench-out/lavapipe}"
    build
    BENCH_PAIRS="${BENCH_PAIRS:-2}" "$here/../bench-kit/bench.sh" run "$out" --repeats 5 "${LAVAPIPE_OPTIONS[@]}" ;;
  *)
    sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'
    exit 2 ;;
esac
