#!/usr/bin/env python3
"""Prints how PyTorch shows the tensors of tests/tensor_display.rs, in the same order, one JSON string per
line ("case N: ..."), to check the test's hand-written expectations against a real torch:

    python3 scripts/torch_display.py

(Where torch's dtype differs from ours only in name, the tensor is built with torch's equivalent.)"""

import json

import torch

nan, inf = float("nan"), float("inf")


def f(values, shape=None):
    t = torch.tensor(values, dtype=torch.float32)
    return t.reshape(shape) if shape else t


cases = [
    f([1.0, 2.0, 3.0]),
    f([1.5, 2.25, -3.125]),
    f([1e-5, 1.0]),
    f([1.0, 1e9]),
    f([1.0, nan, inf, -inf]),
    f([100.5, 0.25]),
    f([-1.0, 2.0]),
    torch.zeros(2, 3),
    torch.arange(8.0).reshape(2, 2, 2),
    torch.arange(12.0) / 4.0,
    torch.tensor([1, -20, 300], dtype=torch.int32),
    torch.arange(20, dtype=torch.int32) * 1000,
    torch.tensor([True, False]),
    torch.tensor([1, 255], dtype=torch.uint8),
    torch.tensor([-5, 7], dtype=torch.int8),
    torch.tensor([7], dtype=torch.uint32),
    f([1.5, 2.0]).to(torch.float16),
    torch.tensor(3.5),
    torch.tensor(2.0),
    torch.tensor(7, dtype=torch.int32),
    torch.zeros(0),
    torch.zeros(2, 0),
    torch.zeros(0, dtype=torch.int32),
    torch.zeros(0, dtype=torch.bool),
    torch.arange(2000.0),
    torch.arange(2000, dtype=torch.int32),
    torch.ones(40, 40),
    (torch.arange(1500.0).reshape(3, 500) + 1000.0) / 1000.0,
    torch.arange(6.0).reshape(2, 3).t(),
]

for i, t in enumerate(cases):
    print(f"case {i}: {json.dumps(str(t))}")
