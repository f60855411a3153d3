#!/usr/bin/python3
"""The whole-model cases (bench/models.mjs) in PyTorch (Debian's python3-torch 1.13 + torchvision 0.14).

  torch_models.py export --data DIR            build every model of DIR/models.json from a fixed seed and write
                                               its weights (DIR/<id>-init.safetensors), input and labels
  torch_models.py run --data DIR --tag T --threads N [--models M1,M3] [--warmup W] [--samples S]
                                               load those weights, run each case as a PyTorch user would, write
                                               the first run's outputs to DIR/out/<T>-<id>-*, print one JSON line

The networks are defined to match src/models (parameter names included), so one state dict serves both
engines: ResNet-50 is torchvision's; MobileNetV1, ShuffleNet v1 and the small CNN are defined below. Inference
models get batch-norm running statistics from a few calibration batches, so eval-mode batch norm does real work
and the outputs keep an O(1) scale through fifty layers. run-models.mjs starts `run` once per thread count and
allocator (plain glibc, or jemalloc / tcmalloc through LD_PRELOAD).
"""
import argparse
import json
import os
import statistics
import time

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

SEED = 20251203


class MobileNetV1(nn.Module):
    """Howard et al. 2017, Table 1; layer order and names as src/models/mobilenet.ts."""

    BLOCKS = [(64, 1), (128, 2), (128, 1), (256, 2), (256, 1), (512, 2)] + [(512, 1)] * 5 + [(1024, 2), (1024, 1)]

    def __init__(self, num_classes=1000):
        super().__init__()
        layers = [nn.Conv2d(3, 32, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(32), nn.ReLU()]
        in_c = 32
        for out_c, stride in self.BLOCKS:
            layers += [
                nn.Conv2d(in_c, in_c, 3, stride=stride, padding=1, groups=in_c, bias=False),
                nn.BatchNorm2d(in_c),
                nn.ReLU(),
                nn.Conv2d(in_c, out_c, 1, bias=False),
                nn.BatchNorm2d(out_c),
                nn.ReLU(),
            ]
            in_c = out_c
        self.features = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(in_c, num_classes)

    def forward(self, x):
        return self.classifier(self.flatten(self.pool(self.features(x))))


class ShuffleUnit(nn.Module):
    """ShuffleNet v1 unit as the official ShuffleNet-Series code (and src/nn/shufflenet.ts) builds it, with its names."""

    def __init__(self, in_c, out_c, groups, stride, first_group):
        super().__init__()
        mid = out_c // 4
        branch_out = out_c - in_c if stride == 2 else out_c
        self.groups, self.mid, self.stride = groups, mid, stride
        self.branch_main_1 = nn.Sequential(
            nn.Conv2d(in_c, mid, 1, groups=1 if first_group else groups, bias=False),
            nn.BatchNorm2d(mid),
            nn.ReLU(),
            nn.Conv2d(mid, mid, 3, stride=stride, padding=1, groups=mid, bias=False),
            nn.BatchNorm2d(mid),
        )
        self.branch_main_2 = nn.Sequential(
            nn.Conv2d(mid, branch_out, 1, groups=groups, bias=False), nn.BatchNorm2d(branch_out)
        )

    def forward(self, x):
        y = self.branch_main_1(x)
        if self.groups > 1:
            n, c, h, w = y.shape
            y = y.reshape(n, c // self.groups, self.groups, h, w).transpose(1, 2).reshape(n, c, h, w)
        y = self.branch_main_2(y)
        if self.stride == 1:
            return F.relu(y + x)
        return torch.cat([F.avg_pool2d(x, 3, stride=2, padding=1), F.relu(y)], 1)


class ShuffleNetV1(nn.Module):
    """g = 3 at 1×: stages of 4, 8, 4 units with 240, 480, 960 channels (src/models/shufflenet.ts)."""

    def __init__(self, num_classes=1000, groups=3):
        super().__init__()
        self.first_conv = nn.Sequential(nn.Conv2d(3, 24, 3, stride=2, padding=1, bias=False), nn.BatchNorm2d(24), nn.ReLU())
        self.max_pool = nn.MaxPool2d(3, stride=2, padding=1)
        units, in_c = [], 24
        for stage, (repeats, out_c) in enumerate(zip([4, 8, 4], [240, 480, 960])):
            for i in range(repeats):
                stride = 2 if i == 0 else 1
                units.append(ShuffleUnit(in_c if stride == 2 else out_c, out_c, groups, stride, stage == 0 and i == 0))
                in_c = out_c
        self.features = nn.Sequential(*units)
        self.global_pool = nn.AdaptiveAvgPool2d(1)
        self.flatten = nn.Flatten()
        self.classifier = nn.Linear(in_c, num_classes, bias=False)

    def forward(self, x):
        y = self.features(self.max_pool(self.first_conv(x)))
        return self.classifier(self.flatten(self.global_pool(y)))


def small_cnn(num_classes=10):
    return nn.Sequential(
        nn.Conv2d(1, 16, 3, padding=1),
        nn.BatchNorm2d(16),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Conv2d(16, 32, 3, padding=1),
        nn.BatchNorm2d(32),
        nn.ReLU(),
        nn.MaxPool2d(2),
        nn.Flatten(),
        nn.Linear(32 * 7 * 7, num_classes),
    )


def build(case):
    import torchvision

    net, k = case["net"], case["numClasses"]
    if net == "resnet50":
        return torchvision.models.resnet50(num_classes=k)
    if net == "mobilenetv1":
        return MobileNetV1(k)
    if net == "shufflenetv1":
        return ShuffleNetV1(k)
    if net == "smallcnn":
        return small_cnn(k)
    raise ValueError(f"torch_models: unknown net {net!r} in case {case['id']}")


# safetensors, written and read with numpy (Debian has no python3-safetensors): an 8-byte little-endian header
# length, a JSON header {name: {dtype, shape, data_offsets}}, then the bytes.
DTYPES = {"F32": "<f4", "F64": "<f8", "I64": "<i8"}
CODES = {np.dtype("int64"): "I64", np.dtype("float64"): "F64"}


def save_safetensors(path, tensors):
    header, blobs, offset = {}, [], 0
    for name, t in tensors.items():
        a = t.detach().contiguous().numpy()
        code = CODES.get(a.dtype, "F32")
        b = a.astype(DTYPES[code]).tobytes()
        header[name] = {"dtype": code, "shape": list(a.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header).encode()
    h += b" " * (-len(h) % 8)
    with open(path, "wb") as f:
        f.write(len(h).to_bytes(8, "little") + h + b"".join(blobs))


def load_safetensors(path):
    raw = open(path, "rb").read()
    n = int.from_bytes(raw[:8], "little")
    header = json.loads(raw[8 : 8 + n])
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        a = np.frombuffer(raw[8 + n + begin : 8 + n + end], dtype=DTYPES[e["dtype"]]).reshape(e["shape"])
        out[name] = torch.from_numpy(a.copy())
    return out


def write_f32(path, t):
    t.detach().contiguous().numpy().astype("<f4").tofile(path)


def write_vector(prefix, name, t):
    """A float64 tensor (the reference step) goes to <prefix>-<name>.f64, any other to <prefix>-<name>.bin as float32."""
    if t.dtype == torch.float64:
        t.detach().contiguous().numpy().astype("<f8").tofile(f"{prefix}-{name}.f64")
    else:
        write_f32(f"{prefix}-{name}.bin", t)


def export(data, cases):
    for case in cases:
        torch.manual_seed(SEED)
        model = build(case)
        x = torch.randn(case["x"])
        if case["mode"] == "infer":
            # Running statistics from calibration batches (cumulative average), as after training.
            for m in model.modules():
                if isinstance(m, nn.BatchNorm2d):
                    m.momentum = None
            model.train()
            with torch.no_grad():
                for _ in range(2):
                    model(torch.randn([2, *case["x"][1:]]))
        save_safetensors(os.path.join(data, f"{case['id']}-init.safetensors"), model.state_dict())
        write_f32(os.path.join(data, f"{case['id']}-x.bin"), x)
        if case["mode"] == "train":
            target = torch.randint(0, case["numClasses"], [case["x"][0]])
            write_f32(os.path.join(data, f"{case['id']}-target.bin"), target.float())
        # The first step in float64 from the same weights: what every engine's float32 step is checked against.
        # A train step through batch norm on few values per channel is ill-conditioned enough that float32
        # PyTorch itself strays by percents from it; the check then allows convlab what PyTorch needs.
        step, write = prepare(data, case, torch.float64)
        step()
        write(os.path.join(data, f"{case['id']}-f64"))


def prepare(data, case, dtype=torch.float32):
    """Returns (step, write_outputs) for the case, with the model loaded from the exported weights."""
    model = build(case)
    model.load_state_dict(load_safetensors(os.path.join(data, f"{case['id']}-init.safetensors")))
    model.to(dtype)
    x = torch.from_numpy(np.fromfile(os.path.join(data, f"{case['id']}-x.bin"), dtype="<f4").reshape(case["x"])).to(dtype)
    if case["mode"] == "infer":
        model.eval()
        out = {}

        def infer():
            with torch.no_grad():
                out["y"] = model(x)

        return infer, lambda prefix: write_vector(prefix, "y", out["y"])

    target = torch.from_numpy(np.fromfile(os.path.join(data, f"{case['id']}-target.bin"), dtype="<f4")).long()
    model.train()
    o = case["optimizer"]
    if o["name"] == "SGD":
        opt = torch.optim.SGD(model.parameters(), lr=o["lr"], momentum=o["momentum"])
    else:
        opt = torch.optim.Adam(model.parameters(), lr=o["lr"])
    last = {}

    def train_step():
        opt.zero_grad(set_to_none=True)
        loss = F.cross_entropy(model(x), target)
        loss.backward()
        opt.step()
        last["loss"] = loss

    def write(prefix):
        write_vector(prefix, "loss", last["loss"].detach().reshape([1]))
        save_safetensors(prefix + "-state.safetensors", model.state_dict())
        grads = {n: p.grad for n, p in model.named_parameters() if p.grad is not None}
        save_safetensors(prefix + "-grads.safetensors", grads)

    return train_step, write


def run(a, cases):
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    out_dir = os.path.join(a.data, "out")
    os.makedirs(out_dir, exist_ok=True)
    results = []
    for case in cases:
        try:
            step, write = prepare(a.data, case)
            # The first step from the exported weights is the one compared with convlab's.
            step()
            write(os.path.join(out_dir, f"{a.tag}-{case['id']}"))
            warmup = a.warmup if a.warmup is not None else case["warmup"]
            samples = a.samples if a.samples is not None else case["samples"]
            for _ in range(max(0, warmup - 1)):
                step()
            times = []
            for _ in range(samples):
                t0 = time.perf_counter()
                step()
                times.append((time.perf_counter() - t0) * 1e3)
            results.append({"id": case["id"], "medianMs": statistics.median(times), "minMs": min(times), "samples": len(times)})
        except Exception as e:  # noqa: BLE001 - reported per case, the other cases still run
            results.append({"id": case["id"], "error": f"{type(e).__name__}: {e}"})
    version = f"PyTorch {torch.__version__} (oneDNN {'on' if torch.backends.mkldnn.is_available() else 'off'}, {torch.get_num_threads()} threads)"
    print(json.dumps({"version": version, "results": results}), flush=True)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("command", choices=["export", "run"])
    p.add_argument("--data", required=True)
    p.add_argument("--models", default="")
    p.add_argument("--tag", default="torch")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--warmup", type=int)
    p.add_argument("--samples", type=int)
    a = p.parse_args()
    cases = json.load(open(os.path.join(a.data, "models.json")))
    if a.models:
        cases = [c for c in cases if c["id"] in a.models.split(",")]
    if a.command == "export":
        torch.set_num_threads(min(2, os.cpu_count() or 1))
        export(a.data, cases)
    else:
        run(a, cases)


main()
