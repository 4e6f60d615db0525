#!/usr/bin/env python3
"""Fetch the pinned Dawn kit into third_party/dawn/ (the workspace kit; the wheels stay in third_party/.cache).

The lock and the fetch logic live in dawn-sys (dawn-sys/dawn.lock.toml, dawn-sys/kit.py), which provisions
the same kit by itself for builds outside this workspace; this runs its `fetch` command with this
workspace's folders. Idempotent and offline once fetched.

Usage: python3 third_party/fetch.py [--dest DIR] [--cache DIR] [--offline]
"""
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.dont_write_bytecode = True  # no __pycache__ inside the dawn-sys package
sys.path.insert(0, os.path.join(HERE, "..", "dawn-sys"))
import kit  # noqa: E402

if __name__ == "__main__":
    defaults = ["fetch", "--dest", os.path.join(HERE, "dawn"), "--cache", os.path.join(HERE, ".cache")]
    sys.exit(kit.main(defaults + sys.argv[1:]))
