"""Checkpoints for convlab's loadCheckpoint, written by PyTorch itself.

Run with Debian's Python (torch 1.13, torchvision 0.14):
    /usr/bin/python3 test/checkpoint/generate.py            # the committed fixtures, in fixtures/
    /usr/bin/python3 test/checkpoint/generate.py --resnets DIR
The second form writes torchvision's resnet50 and resnext50_32x4d (about 100 MB each per format) to DIR, not to
the repository; test/checkpoint/resnet.test.ts runs it into a temporary folder when torch is installed.

Committed (fixtures/):
- <Layer>.pt and <Layer>.safetensors: every variant reference module of the golden suite (test/variants/
  generate.py, imported, so the modules and their arguments are the golden ones: its first case of each layer),
  random parameters and statistics, saved in eval mode with torch.save(module.state_dict()) and as safetensors;
  variants.json: each layer's arguments, input and output (the module run in float64 on float32-representable
  weights and inputs, eval mode).
- dtypes.pt and dtypes.json: float16 / bfloat16 / float32 / float64 / int64 tensors, including views with
  storage offsets and strides (a transpose, a slice, a column, an expanded row), and their values.
- resnet_keys.json: the state-dict keys and shapes of torchvision's resnet50 and resnext50_32x4d.
- hostile/*.pt: archives whose pickle asks for os.system, builtins.eval, a REDUCE of a storage class, a whole
  nn.Module: loadCheckpoint must refuse each.
Regenerate, never edit by hand.
"""
import io
import json
import os
import pickle
import struct
import sys
import zipfile

import numpy as np
import torch
import torch.nn as nn
import torchvision

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
SEED = 20261203
sys.path.insert(0, os.path.join(HERE, "..", "variants"))
import generate as golden  # noqa: E402  (the variant reference modules)

SAFETENSORS_DTYPES = {torch.float32: "F32", torch.float64: "F64", torch.float16: "F16", torch.bfloat16: "BF16",
                      torch.int64: "I64"}


def save_safetensors(sd, path):
    """The safetensors layout (8-byte header length, JSON header, raw little-endian data); no Debian package
    ships the safetensors library, and the format is a few lines."""
    header, chunks, offset = {}, [], 0
    for k, v in sd.items():
        v = v.detach().contiguous()
        raw = v.view(torch.int16).numpy().tobytes() if v.dtype == torch.bfloat16 else v.numpy().tobytes()
        header[k] = {"dtype": SAFETENSORS_DTYPES[v.dtype], "shape": list(v.shape),
                     "data_offsets": [offset, offset + len(raw)]}
        chunks.append(raw)
        offset += len(raw)
    head = json.dumps(header).encode()
    head += b" " * ((8 - (8 + len(head)) % 8) % 8)
    with open(path, "wb") as f:
        f.write(struct.pack("<Q", len(head)) + head + b"".join(chunks))


def flat(t):
    return [float(v) for v in t.detach().reshape(-1).tolist()]


class Capture(golden.Suite):
    """Stands in for the golden Suite: keeps the first case of each layer, in eval mode."""

    def __init__(self, family, sink):
        super().__init__(family)
        self.sink = sink

    def op(self, *args, **kwargs):
        pass

    def layer(self, name, layer, args, module, inputs, train=True, differentiable=None, call=None):
        if layer in self.sink:
            return
        golden.randomize(module)
        module.float().eval()
        sd = {k: v.detach().clone() for k, v in module.state_dict().items()}
        torch.save(module.state_dict(), os.path.join(OUT, f"{layer}.pt"))
        save_safetensors(sd, os.path.join(OUT, f"{layer}.safetensors"))
        module.double()
        xs = [x.double() for x in inputs]
        with torch.no_grad():
            ys = (call or module)(*xs)
        ys = [y for y in (list(ys) if isinstance(ys, (list, tuple)) else [ys]) if y is not None]
        self.sink[layer] = {"case": name, "layer": layer, "args": args, "keys": list(sd.keys()),
                            "inputs": [{"shape": list(x.shape), "data": flat(x)} for x in inputs],
                            "outputs": [{"shape": list(y.shape), "data": flat(y)} for y in ys]}

    def write(self):
        pass


def variants():
    sink = {}
    for family in (golden.deformable, golden.graph, golden.inception, golden.acnet, golden.octave, golden.hetconv,
                   golden.condconv, golden.dynamic, golden.ghost, golden.scconv, golden.doconv, golden.splat,
                   golden.involution, golden.shufflenet):
        original = golden.Suite
        golden.Suite = lambda fam: Capture(fam, sink)
        try:
            family()
        finally:
            golden.Suite = original
    return sink


def dtypes():
    g = torch.Generator().manual_seed(SEED)
    base = torch.randn(5, 6, generator=g, dtype=torch.float64)
    sd = {
        "f32": base.float(),
        "f64": base.clone(),
        "f16": base.half(),
        "bf16": base.bfloat16(),
        "i64": torch.tensor([3, -7, 1 << 40], dtype=torch.int64),
        "scalar": torch.tensor(12, dtype=torch.int64),
        "transposed": base.float().t(),  # stride (1, 6)
        "slice": base.float()[1:4, 2:5],  # offset 8, stride (6, 1)
        "column_f16": base.half()[:, 3],  # offset 3, stride (6,)
        "expanded": base.float()[2].unsqueeze(0).expand(3, 6),  # stride (0, 1)
    }
    # Views keep sharing their base's storage when saved, so the archive holds offsets and strides.
    buf = io.BytesIO()
    torch.save(sd, buf)
    with open(os.path.join(OUT, "dtypes.pt"), "wb") as f:
        f.write(buf.getvalue())
    values = {k: {"shape": list(v.shape), "stride": list(v.stride()), "offset": v.storage_offset(),
                  "data": flat(v.double())} for k, v in sd.items()}
    with open(os.path.join(OUT, "dtypes.json"), "w") as f:
        json.dump({"generator": "test/checkpoint/generate.py", "torch": torch.__version__, "seed": SEED,
                   "tensors": values}, f)
    save_safetensors({k: v for k, v in sd.items() if k in ("f32", "f64", "f16", "bf16", "i64")},
                     os.path.join(OUT, "dtypes.safetensors"))


def torch_archive(path, pkl):
    """A torch.save-shaped zip (<name>/data.pkl, version) holding the given pickle bytes."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as z:
        z.writestr("archive/data.pkl", pkl)
        z.writestr("archive/version", "3\n")


class RunsCommand:
    def __reduce__(self):
        return (os.system, ("echo pwned",))


def hostile():
    d = os.path.join(OUT, "hostile")
    os.makedirs(d, exist_ok=True)
    torch_archive(os.path.join(d, "os_system.pt"), pickle.dumps({"weight": RunsCommand()}, protocol=2))
    # builtins.eval named through STACK_GLOBAL (protocol 4)
    torch_archive(os.path.join(d, "eval.pt"),
                  b"\x80\x04\x8c\x08builtins\x94\x8c\x04eval\x94\x93\x94\x8c\x0b__import__('os')\x94\x85\x94R\x94.")
    # an allowed global (a storage class) called through REDUCE
    torch_archive(os.path.join(d, "reduce_storage.pt"), b"\x80\x02ctorch\nFloatStorage\nq\x00K\x04\x85q\x01Rq\x02.")
    # a whole model rather than its state dict: its class is a global the loader does not resolve
    torch.save(nn.Sequential(nn.Conv2d(1, 2, 3)), os.path.join(d, "module.pt"))


def resnet_keys():
    out = {}
    for name in ("resnet50", "resnext50_32x4d"):
        sd = getattr(torchvision.models, name)().state_dict()
        out[name] = [[k, list(v.shape)] for k, v in sd.items()]
    with open(os.path.join(OUT, "resnet_keys.json"), "w") as f:
        json.dump({"generator": "test/checkpoint/generate.py", "torch": torch.__version__,
                   "torchvision": torchvision.__version__, "models": out}, f)


def resnets(out_dir):
    """torchvision's ResNets with random weights and batch-norm statistics from three training batches, saved
    in eval mode, with an input and torchvision's output."""
    os.makedirs(out_dir, exist_ok=True)
    torch.manual_seed(SEED)
    manifest = {"generator": "test/checkpoint/generate.py", "torch": torch.__version__,
                "torchvision": torchvision.__version__, "seed": SEED, "models": {}}
    for name in ("resnet50", "resnext50_32x4d"):
        model = getattr(torchvision.models, name)().train()
        with torch.no_grad():
            for _ in range(3):
                model(torch.randn(4, 3, 64, 64))
        model.eval()
        torch.save(model.state_dict(), os.path.join(out_dir, f"{name}.pt"))
        save_safetensors(model.state_dict(), os.path.join(out_dir, f"{name}.safetensors"))
        x = torch.randn(1, 3, 64, 64)
        with torch.no_grad():
            y = model.double()(x.double())
        manifest["models"][name] = {"input": {"shape": list(x.shape), "data": flat(x)},
                                    "output": {"shape": list(y.shape), "data": flat(y)}}
    with open(os.path.join(out_dir, "resnets.json"), "w") as f:
        json.dump(manifest, f)


if __name__ == "__main__":
    torch.manual_seed(SEED)
    if len(sys.argv) == 3 and sys.argv[1] == "--resnets":
        resnets(sys.argv[2])
        sys.exit(0)
    os.makedirs(OUT, exist_ok=True)
    layers = variants()
    with open(os.path.join(OUT, "variants.json"), "w") as f:
        json.dump({"generator": "test/checkpoint/generate.py", "torch": torch.__version__,
                   "torchvision": torchvision.__version__, "seed": golden.SEED, "layers": list(layers.values())}, f)
    dtypes()
    hostile()
    resnet_keys()
    print(f"wrote {len(layers)} variant layers, dtypes, hostile archives and the ResNet keys to {OUT}")
