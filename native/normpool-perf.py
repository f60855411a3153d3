"""PyTorch's side of native/normpool-perf.mjs: the same cases, median of repeats (torch.set_num_threads from argv).
Usage: /usr/bin/python3 native/normpool-perf.py [threads]"""
import os
import statistics
import sys
import time

import torch
import torch.nn.functional as F

torch.set_num_threads(int(sys.argv[1]) if len(sys.argv) > 1 else 1)


def median(fn, reps=int(os.environ.get('REPS', 30))):
    for _ in range(3):
        fn()
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return statistics.median(times), min(times)


x = torch.rand(64, 16, 28, 28) - 0.5
xg = x.clone().requires_grad_(True)
gy = torch.rand(64, 16, 28, 28) - 0.5
big = torch.rand(1, 256, 56, 56) - 0.5
head = torch.rand(1, 2048, 7, 7) - 0.5
stem = torch.rand(1, 64, 112, 112) - 0.5
bn = torch.nn.BatchNorm2d(16)
bn_eval = torch.nn.BatchNorm2d(256).eval()


def fwd_bwd():
    y = bn(xg)
    y.backward(gy)
    xg.grad = None


with torch.no_grad():
    fwd = median(lambda: bn(x))
rows = {
    "BN2d train fwd 64×16×28×28": fwd,
    "BN2d train fwd+bwd": median(fwd_bwd),
}
with torch.no_grad():
    rows["maxPool2d 2×2 fwd"] = median(lambda: F.max_pool2d(x, 2))
    rows["maxPool2d 3×3 s2 p1 1×64×112²"] = median(lambda: F.max_pool2d(stem, 3, 2, 1))
    rows["BN2d eval 1×256×56×56"] = median(lambda: bn_eval(big))
    rows["global avg pool 1×2048×7×7"] = median(lambda: F.adaptive_avg_pool2d(head, 1))
print(f"torch {torch.__version__}, threads {torch.get_num_threads()}")
for k, (med, low) in rows.items():
    print(f"torch   {k:<30} median {med:.3f} ms  min {low:.3f} ms")
