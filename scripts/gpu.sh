#!/usr/bin/env bash
# Takes the suite to a GPU machine that has no Rust toolchain (DESIGN.md, "Running the suite on the GPU machine").
#
#   scripts/gpu.sh pack      here: builds the stripped release test binaries and examples into .gpu/ (git-ignored),
#                            with libwebgpu_dawn.so and the files the tests read at their absolute build-time paths
#                            (compressed: .gpu/pack.tar.xz)
#   scripts/gpu.sh setup     there, from the repository root of the copied tree: unpacks the Vulkan loader debs
#                            carried in .gl/, puts the packed files back at their absolute paths, and prints the
#                            environment to `eval` (LD_LIBRARY_PATH, XDG_RUNTIME_DIR)
#
# Then, there: `eval "$(bash scripts/gpu.sh setup)"; bash scripts/soak.sh --bins .gpu/bins --jobs 8
# --skip consumer_crate,dawn_dir,kit`, or run .gpu/examples/* directly. (Those three test the packaging: they
# run cargo or pip, which the GPU machine lacks.)
set -euo pipefail
cd "$(dirname "$0")/.."
root=$(pwd)

case "${1:-}" in
  pack)
    rm -rf .gpu && mkdir -p .gpu/bins .gpu/examples .gpu/lib
    bash scripts/soak.sh --pack .gpu/bins >/dev/null
    CARGO_PROFILE_RELEASE_DEBUG=0 CARGO_PROFILE_RELEASE_STRIP=true \
      cargo build --release --examples --message-format=json 2>/dev/null \
      | python3 -c '
import json, sys
for line in sys.stdin:
    try:
        m = json.loads(line)
    except ValueError:
        continue
    if m.get("reason") == "compiler-artifact" and "example" in m["target"]["kind"] and m.get("executable"):
        print(m["executable"])
' | while read -r exe; do cp "$exe" .gpu/examples/; done
    lib=$(find -L third_party/dawn -name libwebgpu_dawn.so | head -1)
    cp "$lib" .gpu/lib/
    # Files the tests open at absolute paths baked in at build time: the C programs and probes (build-script
    # outputs), the header they were built from, the wgpu-native library one of them links, and this
    # checkout's sources (by a link, see `setup`).
    target=$(cargo metadata --format-version 1 --no-deps | python3 -c 'import json,sys; print(json.load(sys.stdin)["target_directory"])')
    find "$target/release/build" -path '*/dawn-suite-*/out/*' -type f -perm -u+x >.gpu/absolute
    find -L "$root/third_party/dawn/include" -name webgpu.h >>.gpu/absolute
    find -L "$root/third_party/dawn" -name libwgpu_native.so >>.gpu/absolute
    tar -cPhf - -T .gpu/absolute | xz -T0 -6 >.gpu/absolute.tar.xz
    echo "$root" >.gpu/root
    # Compressed, to stay well inside what a run may carry.
    tar -cf - -C .gpu bins examples lib | xz -T0 -6 >.gpu/pack.tar.xz
    rm -rf .gpu/bins .gpu/examples .gpu/lib
    du -sh .gpu
    ;;
  setup)
    for f in .gl/*.deb; do dpkg -x "$f" / >/dev/null; done
    [ -d .gpu/bins ] || xz -dc .gpu/pack.tar.xz | tar -xf - -C .gpu
    ldconfig
    built=$(cat .gpu/root)
    if [ "$built" != "$root" ] && [ ! -e "$built" ]; then
      mkdir -p "$(dirname "$built")"
      ln -s "$root" "$built"
    fi
    xz -dc .gpu/absolute.tar.xz | tar -xPf -
    # The kit's library where the build found it (the loader tests open it there).
    mkdir -p "$built/third_party/dawn/lib"
    [ -e "$built/third_party/dawn/lib/libwebgpu_dawn.so" ] || ln -s "$root/.gpu/lib/libwebgpu_dawn.so" "$built/third_party/dawn/lib/"
    mkdir -p /tmp/xdg
    echo "export DAWN_LIB=$root/.gpu/lib/libwebgpu_dawn.so LD_LIBRARY_PATH=$root/.gpu/lib:\${LD_LIBRARY_PATH:-} XDG_RUNTIME_DIR=/tmp/xdg"
    ;;
  *)
    sed -n '2,12p' "$0" | sed 's/^# \{0,1\}//'
    exit 2
    ;;
esac
