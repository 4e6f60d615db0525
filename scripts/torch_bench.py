#!/usr/bin/env python3
"""PyTorch (CUDA) rows of the benchmark suite, for the workloads that have a torch equivalent.

Same options, workload ids, repeat plan and JSON rows as `examples/bench` (see its `spec.rs` and
`harness.rs`), implementation "torch". The equivalents: a tiny in-place add on 64 counters for the
submit rows (a kernel launch, with `torch.cuda.synchronize` as the wait); pinned host memory for the
upload and read-back (torch's best path); `copy_`, `torch.add(out=)` and `torch.matmul(out=)` (TF32 off)
for the kernels, on the same data (the fill formula of `wgsl/fill.wgsl`), checked the same way. The map,
pipeline and buffer-creation rows have no torch equivalent and are left out.

Without torch or CUDA it says so and writes a document with no rows (exit 0), so that a suite run on a
machine without them still completes.
"""

import argparse
import json
import os
import sys
import time

MIB = 1 << 20
SALT_A = 0x12345678
SALT_B = 0x9ABCDEF0
SYNC_EVERY = 100
COUNTERS = 64


def parse(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--repeats", type=int, default=None)
    p.add_argument("--repeat-ms", type=int, default=None)
    p.add_argument("--only", default="")
    p.add_argument("--json", default=None)
    p.add_argument("--matmul", default=None)
    p.add_argument("--add-log2", type=int, default=None)
    p.add_argument("--transfer-mib", type=int, default=None)
    p.add_argument("--map-mib", type=int, default=None)  # accepted for symmetry: no torch map row
    p.add_argument("--copy-mib", type=int, default=None)
    a = p.parse_args(argv)
    quick = a.quick
    cfg = {
        "repeats": 3 if quick else 10,
        "repeat_s": 0.010 if quick else 0.100,
        "matmul": [128] if quick else [1024, 2048, 4096],
        "add_log2": 16 if quick else 28,
        "transfer": (4 if quick else 1024) * MIB,
        "copy": (1 if quick else 256) * MIB,
        "only": [w for w in a.only.split(",") if w],
        "json": a.json,
    }
    if a.repeats:
        cfg["repeats"] = a.repeats
    if a.repeat_ms:
        cfg["repeat_s"] = a.repeat_ms / 1000
    if a.matmul:
        cfg["matmul"] = [int(n) for n in a.matmul.split(",")]
    if a.add_log2:
        cfg["add_log2"] = a.add_log2
    if a.transfer_mib:
        cfg["transfer"] = a.transfer_mib * MIB
    if a.copy_mib:
        cfg["copy"] = a.copy_mib * MIB
    return cfg


def size_name(b):
    if b >= 1 << 30 and b % (1 << 30) == 0:
        return f"{b >> 30}GiB"
    if b >= MIB and b % MIB == 0:
        return f"{b >> 20}MiB"
    if b % 1024 == 0:
        return f"{b >> 10}KiB"
    return f"{b}B"


def host_cpu():
    model = "unknown CPU"
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    model = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    return f"{model} ({os.cpu_count()} threads)"


class Suite:
    def __init__(self, torch, cfg):
        self.torch = torch
        self.cfg = cfg
        self.rows = []
        self.dev = torch.device("cuda")

    def wants(self, wid):
        return not self.cfg["only"] or any(wid.startswith(p) for p in self.cfg["only"])

    def sync(self):
        self.torch.cuda.synchronize()

    def measure(self, wid, title, unit, better, amount, warm_ops, max_ops, check, side):
        """`side(n)` does n operations (checking them) and returns their time in seconds.

        The value of a repeat: us or ms per op (amount None), or amount / seconds per op.
        """
        warm = side(warm_ops)
        per_op = warm / max(warm_ops, 1)
        ops = max_ops if per_op <= 0 else int(min(max(self.cfg["repeat_s"] / per_op, 1), max_ops))
        samples = []
        for _ in range(self.cfg["repeats"]):
            t = side(ops) / ops
            if unit == "us":
                samples.append(t * 1e6)
            elif unit == "ms":
                samples.append(t * 1e3)
            else:
                samples.append(amount / t)
        s = sorted(samples)
        n = len(s)
        median = s[n // 2] if n % 2 else (s[n // 2 - 1] + s[n // 2]) / 2
        self.rows.append({
            "id": wid, "title": title, "unit": unit, "better": better, "implementation": "torch",
            "ops": ops, "samples": samples, "min": s[0], "median": median, "max": s[-1], "check": check,
        })
        print(f"{wid}: {median:.4g} {unit} (min {s[0]:.4g}, max {s[-1]:.4g}, {ops} ops per repeat)")

    def value(self, count, salt):
        """`reference::value` of indices 0..count: multiples of 1/4096 in [-0.5, 0.5)."""
        t = self.torch
        i = t.arange(count, dtype=t.int64, device=self.dev)
        h = ((i ^ salt) * 2654435761) & 0xFFFFFFFF
        return (h >> 20).to(t.float32) / 4096.0 - 0.5

    def samples(self, length, count=64):
        """`reference::sample_indices` (the same spread; the jitter differs, any sample is as good)."""
        return sorted({min(s * (length - 1) // (count - 1) + s % 7, length - 1) for s in range(count)})

    # ---- the workloads ----

    def submit(self):
        t = self.torch
        counters = t.zeros(COUNTERS, dtype=t.int32, device=self.dev)
        made = [0]

        def launch():
            counters.add_(1)
            made[0] += 1

        check = "every counter equals the dispatches made"
        if self.wants("submit_wait"):
            def side(n):
                start = time.perf_counter()
                for _ in range(n):
                    launch()
                    self.sync()
                return time.perf_counter() - start
            self.measure("submit_wait", "submit + wait round trip (one tiny dispatch)", "us", "lower",
                         None, 20, 5000, check, side)
        if self.wants("submit_pipelined"):
            def side(n):
                start = time.perf_counter()
                for _ in range(n):
                    launch()
                self.sync()
                return time.perf_counter() - start
            self.measure("submit_pipelined", "pipelined tiny dispatches (one per submit, one wait per repeat)",
                         "k/s", "higher", 1e-3, 100, 20000, check, side)
        if self.wants("submit_cpu"):
            def side(n):
                timed = 0.0
                left = n
                while left > 0:
                    batch = min(left, SYNC_EVERY)
                    left -= batch
                    start = time.perf_counter()
                    for _ in range(batch):
                        launch()
                    timed += time.perf_counter() - start
                    self.sync()
                return timed
            self.measure("submit_cpu", "encode + dispatch + submit, CPU time (drains untimed)", "us", "lower",
                         None, 2 * SYNC_EVERY, 20000, check, side)
        got = counters.cpu().tolist()
        if any(c != made[0] for c in got):
            raise SystemExit(f"torch: the counters hold {got[:4]}.., {made[0]} launches were made")

    def transfer(self):
        t = self.torch
        size = self.cfg["transfer"]
        name = size_name(size)
        up, back = f"upload_{name}", f"readback_{name}"
        if not (self.wants(up) or self.wants(back)):
            return
        n = size // 4
        idx = self.samples(n)
        source = self.value(n, SALT_A).cpu().pin_memory()
        want = source[idx].clone()
        device = t.empty(n, dtype=t.float32, device=self.dev)
        if self.wants(up):
            check = "64 sampled words of the destination after every upload (cleared before it)"

            def side(ops):
                timed = 0.0
                for _ in range(ops):
                    device.zero_()
                    self.sync()
                    start = time.perf_counter()
                    device.copy_(source, non_blocking=True)
                    self.sync()
                    timed += time.perf_counter() - start
                    if not t.equal(device[idx].cpu(), want):
                        raise SystemExit("torch: the upload's sampled words are wrong")
                return timed
            self.measure(up, f"upload {name}: queue write_buffer, until done", "GB/s", "higher",
                         size / 1e9, 1, 20, check, side)
        if self.wants(back):
            device.copy_(source)
            host = t.empty(n, dtype=t.float32).pin_memory()
            check = "64 sampled words of every read-back (poisoned before it)"

            def side(ops):
                timed = 0.0
                for _ in range(ops):
                    host[idx] = 7.0
                    start = time.perf_counter()
                    host.copy_(device, non_blocking=True)
                    self.sync()
                    timed += time.perf_counter() - start
                    if not t.equal(host[idx], want):
                        raise SystemExit("torch: the read-back's sampled words are wrong")
                return timed
            self.measure(back, f"read-back {name}: copy to a mappable buffer, map, memcpy", "GB/s", "higher",
                         size / 1e9, 1, 20, check, side)

    def kernel(self, wid, title, unit, amount, max_ops, run, output, idx, want, tolerance):
        """A GPU-bound workload: `ops` runs in a row, then one wait; the output sampled after."""
        def side(ops):
            output.zero_()
            self.sync()
            start = time.perf_counter()
            for _ in range(ops):
                run()
            self.sync()
            elapsed = time.perf_counter() - start
            got = output.reshape(-1)[idx].double()
            bad = (got - want).abs() > tolerance
            if bool(bad.any()):
                raise SystemExit(f"torch: {int(bad.sum())} sampled outputs of {wid} are wrong")
            return elapsed
        self.measure(wid, title, unit, "higher", amount, 1, max_ops,
                     f"{len(idx)} sampled outputs after every repeat against the CPU", side)

    def kernels(self):
        t = self.torch
        size = self.cfg["copy"]
        wid = f"copy_{size_name(size)}"
        if self.wants(wid):
            n = size // 4
            src = self.value(n, SALT_A)
            dst = t.empty_like(src)
            idx = t.tensor(self.samples(n), device=self.dev)
            self.kernel(wid, f"copy kernel, vec4, {size_name(size)} (read + write counted)", "GB/s", 2 * size / 1e9,
                        10000, lambda: dst.copy_(src), dst, idx, src[idx].double(), 0.0)
            del src, dst
        log2 = self.cfg["add_log2"]
        wid = f"add_2p{log2}"
        if self.wants(wid):
            n = 1 << log2
            a, b = self.value(n, SALT_A), self.value(n, SALT_B)
            c = t.empty_like(a)
            idx = t.tensor(self.samples(n), device=self.dev)
            self.kernel(wid, f"elementwise add of 2^{log2} f32 (12 bytes per element)", "GB/s", 12 * n / 1e9, 10000,
                        lambda: t.add(a, b, out=c), c, idx, (a[idx] + b[idx]).double(), 0.0)
            del a, b, c
        t.backends.cuda.matmul.allow_tf32 = False
        for n in self.cfg["matmul"]:
            wid = f"matmul_f32_{n}"
            if not self.wants(wid):
                continue
            a = self.value(n * n, SALT_A).reshape(n, n)
            b = self.value(n * n, SALT_B).reshape(n, n)
            c = t.empty_like(a)
            flat = t.tensor(self.samples(n * n, 48), device=self.dev)
            rows, cols = flat // n, flat % n
            products = a[rows].double() * b[:, cols].t().double()
            want = products.sum(dim=1)
            tolerance = 2e-4 * products.abs().sum(dim=1) + 1e-6
            self.kernel(wid, f"f32 matmul {n} (64x64 tile, 4x4 per invocation)", "TFLOP/s", 2 * n ** 3 / 1e12,
                        1000, lambda: t.matmul(a, b, out=c), c, flat, want, tolerance)
            del a, b, c


def main():
    cfg = parse(sys.argv[1:])
    doc = {"machine": {"adapter": "none", "driver": "no torch with CUDA here", "host": host_cpu()},
           "unix_time": int(time.time()), "rows": []}
    try:
        import torch
    except ImportError:
        torch = None
    if torch is None or not torch.cuda.is_available():
        print("torch_bench: no torch with CUDA on this machine, no torch rows")
    else:
        suite = Suite(torch, cfg)
        suite.submit()
        suite.transfer()
        suite.kernels()
        doc["machine"] = {
            "adapter": torch.cuda.get_device_name(),
            "driver": f"CUDA {torch.version.cuda}, torch {torch.__version__} (cuBLAS, TF32 off)",
            "host": host_cpu(),
        }
        doc["rows"] = suite.rows
    if cfg["json"]:
        with open(cfg["json"], "w") as f:
            json.dump(doc, f, indent=1)
            f.write("\n")


if __name__ == "__main__":
    main()
