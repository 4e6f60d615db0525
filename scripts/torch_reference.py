#!/usr/bin/env python3
"""PyTorch CUDA figures for the rows of the bench's tensor section (examples/bench/tensor.rs), measured the
same way: each op `REPS` times back to back between two CUDA events, the median over `ROUNDS` rounds of
the time per op; the batched small op as 1,000 adds of 1,024 elements and one synchronize (wall time per
op), and the launches alone.

    python3 scripts/torch_reference.py > torch.txt
    target/release/examples/bench --tensor --torch torch.txt

Output: one `key microseconds` line per row (what `--torch` reads), comments after `#`."""

import statistics
import time

import torch

ROUNDS, REPS = 20, 10
N, SIDE = 1 << 28, 8192


def timed(op):
    for _ in range(3):
        op()
    torch.cuda.synchronize()
    samples = []
    for _ in range(ROUNDS):
        start, end = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)
        start.record()
        for _ in range(REPS):
            op()
        end.record()
        torch.cuda.synchronize()
        samples.append(start.elapsed_time(end) * 1e3 / REPS)
    return statistics.median(samples)


def main():
    torch.manual_seed(0)
    dev = torch.device("cuda")
    a, b, c = (torch.rand(N, device=dev) for _ in range(3))
    m = torch.rand(SIDE, SIDE, device=dev)
    col = torch.rand(SIDE, 1, device=dev)
    out = torch.empty(SIDE, SIDE, device=dev)
    rows = {
        "add": timed(lambda: torch.add(a, b, out=c)),
        "sum_rows": timed(lambda: m.sum(dim=1)),
        "sum_all": timed(lambda: a.sum()),
        "broadcast_add": timed(lambda: torch.add(m, col, out=out)),
    }
    x, y = torch.rand(1024, device=dev), torch.rand(1024, device=dev)
    totals, launches = [], []
    for _ in range(ROUNDS + 1):
        torch.cuda.synchronize()
        start = time.perf_counter()
        for _ in range(1000):
            z = x + y
        launched = time.perf_counter()
        torch.cuda.synchronize()
        done = time.perf_counter()
        totals.append((done - start) * 1e3)
        launches.append((launched - start) * 1e3)
    rows["small_add"] = statistics.median(totals[1:])
    rows["small_add_record"] = statistics.median(launches[1:])
    print(f"# PyTorch {torch.__version__}, {torch.cuda.get_device_name()}, median of {ROUNDS} rounds")
    for key, micros in rows.items():
        gbs = ""
        if key in ("add",):
            gbs = f"  # {3 * 4 * N / micros / 1e3:.0f} GB/s"
        print(f"{key} {micros:.1f}{gbs}")
    del z


if __name__ == "__main__":
    main()
