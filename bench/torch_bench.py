#!/usr/bin/python3
"""PyTorch (Debian's python3-torch, oneDNN kernels) over the cases in a data directory written by run.js.

Same protocol as worker.mjs: warm-up, repeated timed runs until both a sample count and a minimum time are
reached, the median printed as one JSON line; each case's first output written to DIR/out/<tag>-<case>-<name>.bin.
Forward runs the faster of aten::convolution.out (PyTorch's dispatch, preallocated output) and
aten::mkldnn_convolution (oneDNN called directly), picked per case; backward calls aten::convolution_backward
for the input and weight gradients only. run.js starts this with glibc malloc tuned so freed memory stays mapped.
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch

p = argparse.ArgumentParser()
p.add_argument("--threads", type=int, default=1)
p.add_argument("--data", required=True)
p.add_argument("--cases", default="")
p.add_argument("--tag", required=True)
p.add_argument("--warmup", type=int, default=3)
p.add_argument("--samples", type=int, default=15)
p.add_argument("--min-time", type=float, default=1000.0)
a = p.parse_args()

torch.set_num_threads(a.threads)
torch.set_num_interop_threads(1)
MAX_SAMPLES = 500


def measure(run, before=None):
    for _ in range(a.warmup):
        if before:
            before()
        run()
    times = []
    start = time.perf_counter()
    while len(times) < a.samples or ((time.perf_counter() - start) * 1e3 < a.min_time and len(times) < MAX_SAMPLES):
        if before:
            before()
        t0 = time.perf_counter()
        run()
        times.append((time.perf_counter() - t0) * 1e3)
    return {"medianMs": statistics.median(times), "minMs": min(times), "samples": len(times)}


def load(case, name, shape):
    return torch.from_numpy(np.fromfile(os.path.join(a.data, f"{case['id']}-{name}.bin"), dtype="<f4").reshape(shape))


def prepare(c):
    """Candidate ways to run the case, by name; each is (run, outputs). The fastest is measured."""
    x, w = load(c, "x", c["x"]), load(c, "w", c["w"])
    transposed = c["op"] == "convT"
    stride, padding, dilation = [c["stride"]] * 2, [c["padding"]] * 2, [c["dilation"]] * 2
    geometry = (stride, padding, dilation, transposed, [0, 0], c["groups"])
    if c.get("backward"):
        gy = load(c, "gy", c["y"])
        grads = {}

        def backward():
            gx, gw, _ = torch.ops.aten.convolution_backward(gy, x, w, None, *geometry, [True, True, False])
            grads["gx"], grads["gw"] = gx, gw

        return {"convolution_backward": (backward, lambda: grads)}
    y = torch.empty(c["y"])

    def preallocated():
        torch.ops.aten.convolution.out(x, w, None, *geometry, out=y)

    candidates = {"convolution.out": (preallocated, lambda: {"y": y})}
    if not transposed:
        # This Debian build dispatches some shapes (1x1 among them) to a slow_conv2d over its generic BLAS;
        # calling the oneDNN convolution directly is PyTorch's own fastest path there (it has no out= form).
        last = {}

        def onednn():
            last["y"] = torch.ops.aten.mkldnn_convolution(x, w, None, padding, stride, dilation, c["groups"])

        candidates["mkldnn_convolution"] = (onednn, lambda: last)
    return candidates


def fastest(candidates):
    """Name of the candidate with the lowest median over a few runs (after one warm-up run each)."""
    if len(candidates) == 1:
        return next(iter(candidates))
    def quick(run):
        run()
        times = []
        for _ in range(5):
            t0 = time.perf_counter()
            run()
            times.append(time.perf_counter() - t0)
        return statistics.median(times)
    return min(candidates, key=lambda name: quick(candidates[name][0]))


def main():
    cases = json.load(open(os.path.join(a.data, "cases.json")))
    ids = a.cases.split(",") if a.cases else [c["id"] for c in cases]
    out_dir = os.path.join(a.data, "out")
    os.makedirs(out_dir, exist_ok=True)
    results = []
    with torch.no_grad():
        for c in cases:
            if c["id"] not in ids:
                continue
            try:
                candidates = prepare(c)
                path = fastest(candidates)
                run, outputs = candidates[path]
                run()
                for name, t in outputs().items():
                    t.contiguous().numpy().astype("<f4").tofile(os.path.join(out_dir, f"{a.tag}-{c['id']}-{name}.bin"))
                results.append({"id": c["id"], **measure(run), "note": f"aten::{path}"})
            except Exception as e:  # noqa: BLE001 - reported per case, the other cases still run
                results.append({"id": c["id"], "error": f"{type(e).__name__}: {e}"})
    onednn = "on" if torch.backends.mkldnn.is_available() else "off"
    version = f"PyTorch {torch.__version__} (oneDNN {onednn}, {torch.get_num_threads()} threads)"
    print(json.dumps({"version": version, "results": results}), flush=True)


main()
