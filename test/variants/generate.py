"""Golden cases for the fourteen variant convolutions, from PyTorch reference modules.

Run with Debian's Python (torch 1.13, torchvision 0.14):  /usr/bin/python3 test/variants/generate.py
Writes, per family, fixtures/<family>.json (a header and one case per line) and fixtures/<family>.bin
(little-endian float32; every tensor of the manifest points into it by offset, in elements).

Each reference module below is written from the semantics of the official code named in its doc string (not
copied): parameter names follow that code, and a case's state dict keeps PyTorch's keys (`square_conv.weight`,
`bn.running_mean`), so it loads strictly into convlab's layer by name. Every case draws random parameters (batch-norm
affine parameters and running statistics too, and the zero-initialised offset/D tensors, so their gradients are
exercised), runs forward in float64 on float32-representable inputs, runs backward with a random upstream
gradient, and records the output, the gradient of every input and of every parameter, and the reference's
trainable parameter count. Regenerate, never edit by hand.
"""
import json
import math
import os
import random

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F
import torchvision
from torchvision.ops import deform_conv2d

SEED = 20261128
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = os.path.join(HERE, "fixtures")
rng = random.Random(SEED)
torch.manual_seed(SEED)


def f32(*shape, scale=1.0):
    """A random tensor whose values are exactly representable in float32, as float64."""
    return (torch.randn(*shape) * scale).float().double()


class Suite:
    def __init__(self, family):
        self.family = family
        self.cases = []
        self.chunks = []
        self.size = 0

    def put(self, t):
        arr = t.detach().to(torch.float32).contiguous().reshape(-1).numpy().astype("<f4")
        offset = self.size
        self.chunks.append(arr)
        self.size += arr.size
        return offset

    def _run(self, xs, fn):
        ys = fn(*xs)
        ys = list(ys) if isinstance(ys, (list, tuple)) else [ys]
        ys = [y for y in ys if y is not None]
        gs = [f32(*y.shape) for y in ys]
        pairs = [(y, g) for y, g in zip(ys, gs) if y.requires_grad]
        if pairs:
            torch.autograd.backward(*zip(*pairs))
        return ys, gs

    def _inputs(self, xs):
        out = []
        for x in xs:
            entry = {"shape": list(x.shape), "offset": self.put(x)}
            if x.requires_grad:
                entry["grad"] = self.put(x.grad if x.grad is not None else torch.zeros_like(x))
            out.append(entry)
        return out

    def op(self, name, op, args, inputs, fn, differentiable=None):
        """A functional case: inputs are tensors, differentiable[i] says whether input i gets a gradient."""
        diff = differentiable or [True] * len(inputs)
        xs = [x.clone().requires_grad_(d) for x, d in zip(inputs, diff)]
        ys, gs = self._run(xs, fn)
        self.cases.append({"name": name, "op": op, "args": args, "inputs": self._inputs(xs),
                           "outputs": self._outputs(ys, gs)})

    def _outputs(self, ys, gs):
        return [{"shape": list(y.shape), "offset": self.put(y), "gradOutput": self.put(g)} for y, g in zip(ys, gs)]

    def layer(self, name, layer, args, module, inputs, train=True, differentiable=None, call=None):
        """A layer case: the module's parameters and buffers are recorded before forward (training mode
        changes the running statistics), then forward/backward as for an op."""
        randomize(module)
        module = module.double().train(train)
        state = [(k, v.detach().clone()) for k, v in module.state_dict().items()]
        params = dict(module.named_parameters())
        diff = differentiable or [True] * len(inputs)
        xs = [x.clone().requires_grad_(d) for x, d in zip(inputs, diff)]
        ys, gs = self._run(xs, call or module)
        entries = []
        for k, v in state:
            e = {"name": k, "shape": list(v.shape), "offset": self.put(v)}
            p = params.get(k)
            if p is not None and p.requires_grad:
                e["grad"] = self.put(p.grad if p.grad is not None else torch.zeros_like(p))
            entries.append(e)
        count = sum(p.numel() for p in module.parameters() if p.requires_grad)
        self.cases.append({"name": name, "layer": layer, "args": args, "train": train, "paramCount": count,
                           "state": entries, "inputs": self._inputs(xs), "outputs": self._outputs(ys, gs)})

    def write(self):
        os.makedirs(OUT, exist_ok=True)
        header = {"generator": "test/variants/generate.py", "torch": torch.__version__,
                  "torchvision": torchvision.__version__, "seed": SEED, "family": self.family,
                  "blob": f"{self.family}.bin", "dtype": "float32, little-endian", "count": len(self.cases)}
        lines = [json.dumps(c, separators=(",", ":")) for c in self.cases]
        with open(os.path.join(OUT, f"{self.family}.json"), "w") as f:
            f.write("{\n" + f'"header":{json.dumps(header)},\n"cases":[\n' + ",\n".join(lines) + "\n]}\n")
        np.concatenate(self.chunks).astype("<f4").tofile(os.path.join(OUT, f"{self.family}.bin"))
        print(f"{self.family}: {len(self.cases)} cases, {self.size * 4 / 1e3:.0f} kB")


def randomize(module):
    """Random values for what initialises to constants, so every gradient path is exercised."""
    with torch.no_grad():
        for m in module.modules():
            if isinstance(m, nn.BatchNorm2d):
                if m.affine:
                    m.weight.uniform_(0.5, 1.5)
                    m.bias.normal_(0, 0.2)
                m.running_mean.normal_(0, 0.2)
                m.running_var.uniform_(0.5, 1.5)
            for name in ("conv_offset",):
                conv = getattr(m, name, None)
                if isinstance(conv, nn.Conv2d):
                    conv.weight.normal_(0, 0.3)
                    conv.bias.normal_(0, 0.5)
            if isinstance(getattr(m, "D", None), nn.Parameter):
                m.D.normal_(0, 0.2)
            for p in m.parameters(recurse=False):
                # float32-representable starting values, as the fixture stores them
                p.copy_(p.float())


def kaiming(*shape):
    w = torch.empty(*shape)
    nn.init.kaiming_uniform_(w, a=math.sqrt(5))
    return nn.Parameter(w)


# ---------------------------------------------------------------------------------------------------------------
# 7. Deformable convolution: torchvision.ops.deform_conv2d, offsets/mask predicted by a conv (mmcv's "pack" form).
class DeformConvPack(nn.Module):
    def __init__(self, cin, cout, k, stride=1, padding=0, dilation=1, groups=1, offset_groups=1, bias=True,
                 modulated=False):
        super().__init__()
        self.args = dict(stride=stride, padding=padding, dilation=dilation)
        self.modulated = modulated
        self.og = offset_groups
        self.k = k
        self.weight = kaiming(cout, cin // groups, k, k)
        self.bias = nn.Parameter(torch.zeros(cout).uniform_(-0.1, 0.1)) if bias else None
        n_off = offset_groups * (3 if modulated else 2) * k * k
        self.conv_offset = nn.Conv2d(cin, n_off, k, stride, padding, dilation, bias=True)
        nn.init.zeros_(self.conv_offset.weight)
        nn.init.zeros_(self.conv_offset.bias)

    def forward(self, x):
        o = self.conv_offset(x)
        n = 2 * self.og * self.k * self.k
        offset, mask = (o[:, :n], torch.sigmoid(o[:, n:])) if self.modulated else (o, None)
        return deform_conv2d(x, offset, self.weight, self.bias, mask=mask, **self.args)


def deformable():
    s = Suite("deformable")
    for i in range(8):
        groups = rng.choice([1, 1, 2])
        og = rng.choice([1, 2]) if i % 2 else 1
        cin = groups * og * rng.randint(1, 2)
        cout = groups * rng.randint(1, 3)
        k = rng.choice([1, 2, 3])
        stride, padding, dilation = rng.choice([1, 2]), rng.randint(0, 2), rng.choice([1, 1, 2])
        h, w = rng.randint(4, 7), rng.randint(4, 7)
        ho = (h + 2 * padding - dilation * (k - 1) - 1) // stride + 1
        wo = (w + 2 * padding - dilation * (k - 1) - 1) // stride + 1
        if ho < 1 or wo < 1:
            continue
        n = rng.choice([1, 2, 3])
        use_mask, use_bias = i % 3 != 0, i % 4 != 1
        x, weight = f32(n, cin, h, w), f32(cout, cin // groups, k, k)
        offset = f32(n, 2 * og * k * k, ho, wo, scale=1.5)
        ins = [x, offset, weight]
        if use_mask:
            ins.append(torch.rand(n, og * k * k, ho, wo).float().double())
        if use_bias:
            ins.append(f32(cout))
        args = dict(stride=stride, padding=padding, dilation=dilation, mask=use_mask, bias=use_bias)

        def fn(x, off, wt, *rest, args=args):
            rest = list(rest)
            mask = rest.pop(0) if args["mask"] else None
            bias = rest.pop(0) if args["bias"] else None
            return deform_conv2d(x, off, wt, bias, stride=args["stride"], padding=args["padding"],
                                 dilation=args["dilation"], mask=mask)

        s.op(f"deformConv2d {'v2' if use_mask else 'v1'} n{n} c{cin}->{cout} k{k} s{stride} p{padding} d{dilation} "
             f"g{groups} og{og}", "deformConv2d", args, ins, fn)
    for modulated in (False, True):
        for stride in (1, 2):
            cin, cout, og = 4, 6, 2 if modulated else 1
            args = dict(inChannels=cin, outChannels=cout, kernelSize=3, stride=stride, padding=1, dilation=1,
                        groups=2 if stride == 2 else 1, offsetGroups=og, bias=True, modulated=modulated)
            m = DeformConvPack(cin, cout, 3, stride, 1, 1, args["groups"], og, True, modulated)
            s.layer(f"DeformConv2d {'v2' if modulated else 'v1'} stride {stride}", "DeformConv2d", args, m,
                    [f32(2, cin, 6, 5)])
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 9. Graph convolution: Kipf & Welling (tkipf/pygcn GraphConvolution), Â = D^-1/2 (A + I) D^-1/2 or D^-1 (A + I).
def normalize_adjacency(a, mode="symmetric", self_loops=True):
    if self_loops:
        a = a + torch.eye(a.shape[0], dtype=a.dtype)
    d = a.sum(1)
    if mode == "symmetric":
        r = d.pow(-0.5)
        r[torch.isinf(r)] = 0
        return r[:, None] * a * r[None, :]
    r = 1.0 / d
    r[torch.isinf(r)] = 0
    return r[:, None] * a


class GraphConvolution(nn.Module):
    def __init__(self, cin, cout, bias=True):
        super().__init__()
        stdv = 1.0 / math.sqrt(cout)
        self.weight = nn.Parameter(torch.empty(cin, cout).uniform_(-stdv, stdv))
        self.bias = nn.Parameter(torch.empty(cout).uniform_(-stdv, stdv)) if bias else None

    def forward(self, x, adj):
        out = adj @ (x @ self.weight)
        return out + self.bias if self.bias is not None else out


def graph():
    s = Suite("graph")
    for i, (mode, self_loops, sparse, batch, bias) in enumerate([
        ("symmetric", True, False, None, True), ("symmetric", True, True, 2, True), ("row", True, False, 3, False),
        ("row", True, True, None, True), ("symmetric", False, False, 2, True), ("symmetric", True, True, None, False),
    ]):
        nodes, cin, cout = rng.randint(4, 9), rng.randint(2, 5), rng.randint(1, 4)
        a = (torch.rand(nodes, nodes) < 0.35).double()
        a = torch.triu(a, 1)
        weighted = i == 4
        a = a + a.t()
        if weighted:
            w = torch.rand(nodes, nodes).float().double().triu(1) + 0.5
            a = a * (w + w.t())
        args = dict(normalization=mode, selfLoops=self_loops, sparse=sparse, bias=bias)
        s.op(f"normalizeAdjacency {mode}{'' if self_loops else ' no self-loops'} {nodes} nodes"
             f"{' sparse' if sparse else ''}", "normalizeAdjacency", args, [a],
             lambda a, mode=mode, sl=self_loops: normalize_adjacency(a, mode, sl), [False])
        m = GraphConvolution(cin, cout, bias)
        x = f32(*([batch] if batch else []), nodes, cin)
        adj = normalize_adjacency(a, mode, self_loops)
        s.layer(f"GCNConv {cin}->{cout} {nodes} nodes {mode}{' sparse' if sparse else ''} batch {batch}",
                "GCNConv", dict(inChannels=cin, outChannels=cout, **args), m, [x, a], differentiable=[True, False],
                call=lambda x, a, m=m, adj=adj: m(x, adj))
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 10. Inception block: GoogLeNet's module as torchvision builds it (BasicConv2d = conv without bias, BN eps 1e-3,
# ReLU; branch 4 max-pools 3x3 stride 1 with ceil_mode), with the paper's 5x5 in branch 3 by default (torchvision
# uses 3x3 there; `branch3Kernel: 3` reproduces torchvision, checked against its Inception below).
class BasicConv2d(nn.Module):
    def __init__(self, cin, cout, k, padding=0):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, k, padding=padding, bias=False)
        self.bn = nn.BatchNorm2d(cout, eps=0.001)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x)))


class Inception(nn.Module):
    def __init__(self, cin, ch1, ch3red, ch3, ch5red, ch5, pool_proj, k5=5):
        super().__init__()
        self.branch1 = BasicConv2d(cin, ch1, 1)
        self.branch2 = nn.Sequential(BasicConv2d(cin, ch3red, 1), BasicConv2d(ch3red, ch3, 3, 1))
        self.branch3 = nn.Sequential(BasicConv2d(cin, ch5red, 1), BasicConv2d(ch5red, ch5, k5, k5 // 2))
        self.branch4 = nn.Sequential(nn.MaxPool2d(3, 1, 1, ceil_mode=True), BasicConv2d(cin, pool_proj, 1))

    def forward(self, x):
        return torch.cat([self.branch1(x), self.branch2(x), self.branch3(x), self.branch4(x)], 1)


def inception():
    s = Suite("inception")
    for i, (chs, k5, train, size) in enumerate([
        ((6, 3, 2, 4, 2, 3, 2), 5, True, 6), ((5, 2, 3, 3, 2, 2, 3), 3, True, 5), ((4, 2, 2, 3, 1, 2, 2), 5, False, 7),
    ]):
        m = Inception(*chs, k5=k5)
        x = f32(2, chs[0], size, size + 1)
        if k5 == 3:
            # the reference is torchvision's own module when the kernels agree
            from torchvision.models.googlenet import Inception as TvInception
            ref = TvInception(*chs)
            randomize(m)
            ref.load_state_dict(m.state_dict())
            ref.double().eval()
            assert torch.allclose(ref(x), m.double().eval()(x)), "Inception differs from torchvision's"
            m.float()
        keys = ["inChannels", "ch1x1", "ch3x3red", "ch3x3", "ch5x5red", "ch5x5", "poolProj"]
        args = dict(zip(keys, chs), branch3Kernel=k5)
        s.layer(f"InceptionBlock {chs} branch3 {k5}x{k5} {'train' if train else 'eval'}", "InceptionBlock", args,
                m, [x], train=train)
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 11. ACNet: DingXiaoH/ACNet acb.py ACBlock (square, vertical and horizontal kernels, each with BN, summed).
class ACBlock(nn.Module):
    def __init__(self, cin, cout, k, stride=1, padding=0, dilation=1, groups=1, use_affine=True):
        super().__init__()
        self.square_conv = nn.Conv2d(cin, cout, (k, k), stride, padding, dilation, groups, bias=False)
        self.square_bn = nn.BatchNorm2d(cout, affine=use_affine)
        if padding - k // 2 >= 0:
            self.crop = 0
            hor_padding, ver_padding = [padding - k // 2, padding], [padding, padding - k // 2]
        else:
            self.crop = k // 2 - padding
            hor_padding, ver_padding = [0, padding], [padding, 0]
        self.ver_conv = nn.Conv2d(cin, cout, (k, 1), stride, ver_padding, dilation, groups, bias=False)
        self.hor_conv = nn.Conv2d(cin, cout, (1, k), stride, hor_padding, dilation, groups, bias=False)
        self.ver_bn = nn.BatchNorm2d(cout, affine=use_affine)
        self.hor_bn = nn.BatchNorm2d(cout, affine=use_affine)

    def forward(self, x):
        square = self.square_bn(self.square_conv(x))
        if self.crop > 0:
            ver_input, hor_input = x[:, :, :, self.crop:-self.crop], x[:, :, self.crop:-self.crop, :]
        else:
            ver_input = hor_input = x
        return square + self.ver_bn(self.ver_conv(ver_input)) + self.hor_bn(self.hor_conv(hor_input))


def acnet():
    s = Suite("acnet")
    for cin, cout, k, stride, padding, groups, train in [
        (3, 4, 3, 1, 1, 1, True), (4, 6, 3, 2, 1, 2, True), (2, 3, 5, 1, 2, 1, False), (3, 2, 3, 1, 0, 1, True),
        (4, 4, 3, 2, 1, 1, False), (3, 3, 3, 1, 1, 1, None),
    ]:
        affine = train is not None
        train = True if train is None else train
        m = ACBlock(cin, cout, k, stride, padding, 1, groups, use_affine=affine)
        args = dict(inChannels=cin, outChannels=cout, kernelSize=k, stride=stride, padding=padding, groups=groups,
                    useAffine=affine)
        s.layer(f"ACBlock {cin}->{cout} k{k} s{stride} p{padding} g{groups} {'train' if train else 'eval'}"
                f"{'' if affine else ' no affine'}",
                "ACBlock", args, m, [f32(2, cin, 7, 6)], train=train)
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 12. Octave convolution: d-li14/octconv.pytorch OctaveConv.
class OctaveConv(nn.Module):
    def __init__(self, cin, cout, k, alpha_in=0.5, alpha_out=0.5, stride=1, padding=0, dilation=1, groups=1,
                 bias=False):
        super().__init__()
        self.stride = stride
        self.is_dw = groups == cin
        self.alpha_in, self.alpha_out = alpha_in, alpha_out
        lin, lout = int(alpha_in * cin), int(alpha_out * cout)
        self.conv_l2l = None if alpha_in == 0 or alpha_out == 0 else \
            nn.Conv2d(lin, lout, k, 1, padding, dilation, math.ceil(alpha_in * groups), bias)
        self.conv_l2h = None if alpha_in == 0 or alpha_out == 1 or self.is_dw else \
            nn.Conv2d(lin, cout - lout, k, 1, padding, dilation, groups, bias)
        self.conv_h2l = None if alpha_in == 1 or alpha_out == 0 or self.is_dw else \
            nn.Conv2d(cin - lin, lout, k, 1, padding, dilation, groups, bias)
        self.conv_h2h = None if alpha_in == 1 or alpha_out == 1 else \
            nn.Conv2d(cin - lin, cout - lout, k, 1, padding, dilation, math.ceil(groups - alpha_in * groups), bias)

    def forward(self, x_h, x_l=None):
        down = lambda t: F.avg_pool2d(t, 2, 2)
        x_h = down(x_h) if self.stride == 2 else x_h
        x_h2h = self.conv_h2h(x_h)
        x_h2l = self.conv_h2l(down(x_h)) if self.alpha_out > 0 and not self.is_dw else None
        if x_l is None:
            return x_h2h, x_h2l
        x_l2l = down(x_l) if self.stride == 2 else x_l
        x_l2l = self.conv_l2l(x_l2l) if self.alpha_out > 0 else None
        x_l2h = self.conv_l2h(x_l)
        x_l2h = F.interpolate(x_l2h, scale_factor=2, mode="nearest") if self.stride == 1 else x_l2h
        x_h = x_l2h + x_h2h
        x_l = x_h2l + x_l2l if x_h2l is not None and x_l2l is not None else None
        return x_h, x_l


def octave():
    s = Suite("octave")
    for cin, cout, ai, ao, stride, groups, bias, size in [
        (4, 6, 0.0, 0.5, 1, 1, False, 8), (4, 4, 0.5, 0.5, 1, 1, False, 8), (6, 4, 0.5, 0.5, 2, 1, True, 8),
        (4, 6, 0.5, 0.0, 1, 1, False, 6), (8, 8, 0.25, 0.75, 1, 2, True, 4), (4, 8, 0.5, 0.25, 2, 2, False, 8),
    ]:
        m = OctaveConv(cin, cout, 3, ai, ao, stride, 1, 1, groups, bias)
        lin = int(ai * cin)
        ins = [f32(2, cin - lin, size, size)]
        if lin > 0:
            ins.append(f32(2, lin, size // 2, size // 2))
        args = dict(inChannels=cin, outChannels=cout, kernelSize=3, alphaIn=ai, alphaOut=ao, stride=stride, padding=1,
                    groups=groups, bias=bias)
        s.layer(f"OctaveConv {cin}->{cout} alpha {ai}/{ao} s{stride} g{groups}", "OctaveConv", args, m, ins)
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 13. HetConv (Singh et al. 2019; no official code): in each filter 1/P of the input channels get a k×k kernel
# (the filter's group, as a conv with groups=P), the rest a 1×1 kernel. The reference is the exact rewrite
# conv_kxk(groups=P) + conv_1x1(dense) − conv_1x1(groups=P), where the dense 1×1 kernel holds arbitrary values at
# the k×k channels that the grouped 1×1 then removes; the result must not depend on those values.
class HetConv(nn.Module):
    def __init__(self, cin, cout, k, p, stride=1, padding=None, bias=False):
        super().__init__()
        self.p, self.stride = p, stride
        self.padding = k // 2 if padding is None else padding
        self.weight = kaiming(cout, cin // p, k, k)
        self.pointwise = kaiming(cout, cin - cin // p, 1, 1)
        self.bias = nn.Parameter(torch.zeros(cout).uniform_(-0.1, 0.1)) if bias else None
        self.filler = torch.randn(cout, cin // p, 1, 1).double()

    def forward(self, x):
        cout, cpg, opg = self.weight.shape[0], self.weight.shape[1], self.weight.shape[0] // self.p
        rows = []
        for g in range(self.p):
            pw = self.pointwise[g * opg:(g + 1) * opg]
            rows.append(torch.cat([pw[:, :g * cpg], self.filler[g * opg:(g + 1) * opg], pw[:, g * cpg:]], 1))
        dense = torch.cat(rows, 0)
        y = F.conv2d(x, self.weight, None, self.stride, self.padding, groups=self.p)
        y = y + F.conv2d(x, dense, None, self.stride) - F.conv2d(x, self.filler, None, self.stride, groups=self.p)
        return y + self.bias.view(1, -1, 1, 1) if self.bias is not None else y


def hetconv():
    s = Suite("hetconv")
    for cin, cout, k, p, stride, bias in [(4, 4, 3, 2, 1, False), (8, 6, 3, 2, 2, True), (8, 8, 3, 4, 1, False),
                                          (6, 9, 5, 3, 2, True), (4, 8, 3, 4, 1, True)]:
        m = HetConv(cin, cout, k, p, stride, None, bias)
        args = dict(inChannels=cin, outChannels=cout, kernelSize=k, part=p, stride=stride, bias=bias)
        s.layer(f"HetConv {cin}->{cout} k{k} P{p} s{stride}", "HetConv", args, m, [f32(2, cin, 7, 6)])
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 14/15. CondConv (tensorflow/tpu condconv_layers.py: sigmoid routing from a dense layer on the pooled input, kernel
# and bias mixed per example) and dynamic convolution (Chen et al. 2020: GAP -> FC -> ReLU -> FC -> softmax(z/τ)).
def mixed_conv(x, r, weight, bias, stride, padding, dilation, groups):
    outs = []
    for n in range(x.shape[0]):
        w = (r[n].view(-1, 1, 1, 1, 1) * weight).sum(0)
        b = r[n] @ bias if bias is not None else None
        outs.append(F.conv2d(x[n:n + 1], w, b, stride, padding, dilation, groups))
    return torch.cat(outs, 0)


class CondConv2d(nn.Module):
    def __init__(self, cin, cout, k, num_experts=4, stride=1, padding=0, dilation=1, groups=1, bias=True):
        super().__init__()
        self.args = (stride, padding, dilation, groups)
        self.weight = nn.Parameter(torch.stack([kaiming(cout, cin // groups, k, k) for _ in range(num_experts)]))
        self.bias = nn.Parameter(torch.zeros(num_experts, cout).uniform_(-0.1, 0.1)) if bias else None
        self.routing = nn.Linear(cin, num_experts)

    def forward(self, x):
        r = torch.sigmoid(self.routing(x.mean((2, 3))))
        return mixed_conv(x, r, self.weight, self.bias, *self.args)


class DynamicConv2d(nn.Module):
    def __init__(self, cin, cout, k, num_kernels=4, reduction=4, temperature=30.0, stride=1, padding=0,
                 dilation=1, groups=1, bias=True):
        super().__init__()
        self.args = (stride, padding, dilation, groups)
        self.temperature = temperature
        hidden = max(cin // reduction, 1)
        self.fc1 = nn.Linear(cin, hidden)
        self.fc2 = nn.Linear(hidden, num_kernels)
        self.weight = nn.Parameter(torch.stack([kaiming(cout, cin // groups, k, k) for _ in range(num_kernels)]))
        self.bias = nn.Parameter(torch.zeros(num_kernels, cout).uniform_(-0.1, 0.1)) if bias else None

    def forward(self, x):
        z = self.fc2(F.relu(self.fc1(x.mean((2, 3)))))
        return mixed_conv(x, F.softmax(z / self.temperature, 1), self.weight, self.bias, *self.args)


def condconv():
    s = Suite("condconv")
    for cin, cout, k, e, stride, padding, groups, bias in [
        (4, 6, 3, 4, 1, 1, 1, True), (6, 4, 3, 3, 2, 1, 2, False), (3, 5, 1, 8, 1, 0, 1, True), (4, 4, 5, 2, 2, 2, 4, True),
    ]:
        m = CondConv2d(cin, cout, k, e, stride, padding, 1, groups, bias)
        args = dict(inChannels=cin, outChannels=cout, kernelSize=k, numExperts=e, stride=stride, padding=padding,
                    groups=groups, bias=bias)
        s.layer(f"CondConv2d {cin}->{cout} k{k} experts {e} s{stride} g{groups}", "CondConv2d", args, m,
                [f32(3, cin, 6, 7)])
    s.write()


def dynamic():
    s = Suite("dynamic")
    for cin, cout, k, kk, red, temp, stride, padding, groups, bias in [
        (8, 6, 3, 4, 4, 30.0, 1, 1, 1, True), (8, 4, 3, 4, 4, 1.0, 2, 1, 2, False), (4, 4, 1, 2, 2, 5.5, 1, 0, 1, True),
        (6, 6, 3, 3, 4, 0.5, 2, 1, 3, True),
    ]:
        m = DynamicConv2d(cin, cout, k, kk, red, temp, stride, padding, 1, groups, bias)
        with torch.no_grad():
            m.fc2.weight.mul_(8)  # logits large enough that the temperature matters
        args = dict(inChannels=cin, outChannels=cout, kernelSize=k, numKernels=kk, reduction=red, temperature=temp,
                    stride=stride, padding=padding, groups=groups, bias=bias)
        s.layer(f"DynamicConv2d {cin}->{cout} k{k} K{kk} τ={temp} s{stride} g{groups}", "DynamicConv2d", args, m,
                [f32(3, cin, 6, 5)])
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 16. Ghost module: huawei-noah GhostNet ghostnet.py GhostModule.
class GhostModule(nn.Module):
    def __init__(self, inp, oup, kernel_size=1, ratio=2, dw_size=3, stride=1, relu=True):
        super().__init__()
        self.oup = oup
        init_channels = math.ceil(oup / ratio)
        new_channels = init_channels * (ratio - 1)
        act = (lambda: nn.ReLU()) if relu else (lambda: nn.Sequential())
        self.primary_conv = nn.Sequential(
            nn.Conv2d(inp, init_channels, kernel_size, stride, kernel_size // 2, bias=False),
            nn.BatchNorm2d(init_channels), act())
        self.cheap_operation = nn.Sequential(
            nn.Conv2d(init_channels, new_channels, dw_size, 1, dw_size // 2, groups=init_channels, bias=False),
            nn.BatchNorm2d(new_channels), act())

    def forward(self, x):
        x1 = self.primary_conv(x)
        return torch.cat([x1, self.cheap_operation(x1)], 1)[:, :self.oup]


def ghost():
    s = Suite("ghost")
    for inp, oup, k, ratio, dw, stride, relu, train in [
        (4, 8, 1, 2, 3, 1, True, True), (3, 7, 3, 2, 3, 2, False, True), (6, 9, 1, 3, 5, 1, True, False),
        (4, 10, 3, 4, 3, 2, True, True),
    ]:
        m = GhostModule(inp, oup, k, ratio, dw, stride, relu)
        args = dict(inChannels=inp, outChannels=oup, kernelSize=k, ratio=ratio, dwSize=dw, stride=stride, relu=relu)
        s.layer(f"GhostModule {inp}->{oup} k{k} s={ratio} d{dw} stride {stride}{'' if relu else ' no relu'}",
                "GhostModule", args, m, [f32(2, inp, 7, 6)], train=train)
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 17. Self-calibrated convolution: MCG-NKU/SCNet scnet.py SCConv (k2 on the pooled input calibrates k3; k4 last).
class SCConv(nn.Module):
    def __init__(self, inplanes, planes, stride, padding, dilation, groups, pooling_r):
        super().__init__()
        conv = lambda s: nn.Conv2d(inplanes, planes, 3, s, padding, dilation, groups, bias=False)
        self.k2 = nn.Sequential(nn.AvgPool2d(pooling_r, pooling_r), conv(1), nn.BatchNorm2d(planes))
        self.k3 = nn.Sequential(conv(1), nn.BatchNorm2d(planes))
        self.k4 = nn.Sequential(conv(stride), nn.BatchNorm2d(planes))

    def forward(self, x):
        out = torch.sigmoid(x + F.interpolate(self.k2(x), x.shape[2:]))
        return self.k4(self.k3(x) * out)


class SCBottleneck(nn.Module):
    """SCNet's bottleneck: halves of the width through k1 (plain 3×3) and SCConv (k2–k4), concatenated, 1×1 up
    to planes·4, residual (1×1 + BN downsample when the shape changes, as SCNet._make_layer builds it)."""

    def __init__(self, inplanes, planes, stride=1, cardinality=1, bottleneck_width=32, pooling_r=4):
        super().__init__()
        gw = int(planes * (bottleneck_width / 64.0)) * cardinality
        self.conv1_a = nn.Conv2d(inplanes, gw, 1, bias=False)
        self.bn1_a = nn.BatchNorm2d(gw)
        self.conv1_b = nn.Conv2d(inplanes, gw, 1, bias=False)
        self.bn1_b = nn.BatchNorm2d(gw)
        self.k1 = nn.Sequential(nn.Conv2d(gw, gw, 3, stride, 1, 1, cardinality, bias=False), nn.BatchNorm2d(gw))
        self.scconv = SCConv(gw, gw, stride, 1, 1, cardinality, pooling_r)
        self.conv3 = nn.Conv2d(gw * 2, planes * 4, 1, bias=False)
        self.bn3 = nn.BatchNorm2d(planes * 4)
        self.downsample = None
        if stride != 1 or inplanes != planes * 4:
            self.downsample = nn.Sequential(nn.Conv2d(inplanes, planes * 4, 1, stride, bias=False),
                                            nn.BatchNorm2d(planes * 4))

    def forward(self, x):
        a = F.relu(self.k1(F.relu(self.bn1_a(self.conv1_a(x)))))
        b = F.relu(self.scconv(F.relu(self.bn1_b(self.conv1_b(x)))))
        out = self.bn3(self.conv3(torch.cat([a, b], 1)))
        residual = x if self.downsample is None else self.downsample(x)
        return F.relu(out + residual)


def scconv():
    s = Suite("scconv")
    for inplanes, planes, stride, card, width, r, size in [(8, 4, 1, 1, 64, 4, 8), (16, 4, 2, 2, 32, 2, 8)]:
        m = SCBottleneck(inplanes, planes, stride, card, width, r)
        args = dict(inChannels=inplanes, planes=planes, stride=stride, cardinality=card, bottleneckWidth=width,
                    poolingR=r)
        s.layer(f"SCBottleneck {inplanes}->{planes * 4} s{stride} cardinality {card} width {width} r{r}",
                "SCBottleneck", args, m, [f32(2, inplanes, size, size)])
    for c, stride, padding, dilation, groups, r, size, train in [
        (4, 1, 1, 1, 1, 4, 8, True), (6, 2, 1, 1, 2, 4, 9, True), (4, 1, 2, 2, 1, 2, 8, False),
        (8, 2, 1, 1, 4, 3, 7, True),
    ]:
        m = SCConv(c, c, stride, padding, dilation, groups, r)
        args = dict(inChannels=c, outChannels=c, stride=stride, padding=padding, dilation=dilation, groups=groups,
                    poolingR=r)
        s.layer(f"SCConv {c} r{r} s{stride} d{dilation} g{groups} {size}x{size}", "SCConv", args, m,
                [f32(2, c, size, size)], train=train)
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 18. DO-Conv: yangyanli/DO-Conv do_conv_pytorch.py DOConv2d (W reshaped as the code does, D + identity D_diag).
class DOConv2d(nn.Module):
    def __init__(self, cin, cout, k, D_mul=None, stride=1, padding=0, dilation=1, groups=1, bias=False):
        super().__init__()
        self.cin, self.cout, self.k, self.groups = cin, cout, k, groups
        self.args = (stride, padding, dilation, groups)
        mn = k * k
        self.D_mul = mn if D_mul is None or mn <= 1 else D_mul
        self.W = kaiming(cout, cin // groups, self.D_mul)
        if mn > 1:
            self.D = nn.Parameter(torch.zeros(cin, mn, self.D_mul))
            eye = torch.eye(mn).reshape(1, mn, mn)
            diag = eye.repeat(cin, 1, self.D_mul // mn)
            if self.D_mul % mn != 0:
                diag = torch.cat([diag, torch.zeros(cin, mn, self.D_mul % mn)], 2)
            self.D_diag = nn.Parameter(diag, requires_grad=False)
        self.bias = nn.Parameter(torch.zeros(cout).uniform_(-0.1, 0.1)) if bias else None

    def forward(self, x):
        shape = (self.cout, self.cin // self.groups, self.k, self.k)
        if self.k * self.k > 1:
            w = torch.reshape(self.W, (self.cout // self.groups, self.cin, self.D_mul))
            dow = torch.reshape(torch.einsum("ims,ois->oim", self.D + self.D_diag, w), shape)
        else:
            dow = torch.reshape(self.W, shape)
        return F.conv2d(x, dow, self.bias, *self.args)


def doconv():
    s = Suite("doconv")
    for cin, cout, k, dmul, stride, padding, groups, bias in [
        (3, 4, 3, None, 1, 1, 1, False), (4, 6, 3, 12, 2, 1, 2, True), (2, 3, 1, None, 1, 0, 1, True),
        (4, 4, 2, 6, 1, 0, 1, False), (6, 6, 3, 9, 2, 0, 3, True),
    ]:
        m = DOConv2d(cin, cout, k, dmul, stride, padding, 1, groups, bias)
        args = dict(inChannels=cin, outChannels=cout, kernelSize=k, DMul=dmul, stride=stride, padding=padding,
                    groups=groups, bias=bias)
        s.layer(f"DOConv2d {cin}->{cout} k{k} Dmul {dmul} s{stride} g{groups}", "DOConv2d", args, m,
                [f32(2, cin, 6, 7)])
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 19. Split attention: zhanghang1989/ResNeSt splat.py SplAtConv2d and rSoftMax (no rectified conv, no dropblock).
class SplAtConv2d(nn.Module):
    def __init__(self, cin, channels, k, stride=1, padding=0, dilation=1, groups=1, bias=True, radix=2,
                 reduction_factor=4, norm=True):
        super().__init__()
        inter = max(cin * radix // reduction_factor, 32)
        self.radix, self.cardinality = radix, groups
        self.conv = nn.Conv2d(cin, channels * radix, k, stride, padding, dilation, groups * radix, bias)
        self.use_bn = norm
        if norm:
            self.bn0 = nn.BatchNorm2d(channels * radix)
        self.fc1 = nn.Conv2d(channels, inter, 1, groups=groups)
        if norm:
            self.bn1 = nn.BatchNorm2d(inter)
        self.fc2 = nn.Conv2d(inter, channels * radix, 1, groups=groups)

    def rsoftmax(self, x):
        b = x.shape[0]
        if self.radix > 1:
            x = x.view(b, self.cardinality, self.radix, -1).transpose(1, 2)
            return F.softmax(x, 1).reshape(b, -1)
        return torch.sigmoid(x)

    def forward(self, x):
        x = self.conv(x)
        if self.use_bn:
            x = self.bn0(x)
        x = F.relu(x)
        b, rc = x.shape[:2]
        if self.radix > 1:
            splits = torch.split(x, rc // self.radix, 1)
            gap = sum(splits)
        else:
            gap = x
        gap = self.fc1(F.adaptive_avg_pool2d(gap, 1))
        if self.use_bn:
            gap = self.bn1(gap)
        atten = self.rsoftmax(self.fc2(F.relu(gap))).view(b, -1, 1, 1)
        if self.radix > 1:
            return sum(a * s for a, s in zip(torch.split(atten, rc // self.radix, 1), splits))
        return atten * x


def splat():
    s = Suite("splat")
    for cin, ch, k, stride, padding, groups, radix, rf, norm, bias, train in [
        (4, 4, 3, 1, 1, 1, 2, 4, True, True, True), (8, 6, 3, 2, 1, 2, 2, 4, True, False, True),
        (4, 4, 1, 1, 0, 1, 1, 4, True, True, True), (8, 8, 3, 1, 1, 2, 4, 2, False, True, True),
        (6, 6, 3, 2, 1, 1, 3, 4, True, True, False), (64, 8, 3, 1, 1, 1, 2, 4, True, True, True),
    ]:
        m = SplAtConv2d(cin, ch, k, stride, padding, 1, groups, bias, radix, rf, norm)
        args = dict(inChannels=cin, channels=ch, kernelSize=k, stride=stride, padding=padding, groups=groups,
                    radix=radix, reductionFactor=rf, norm=norm, bias=bias)
        s.layer(f"SplAtConv2d {cin}->{ch} radix {radix} cardinality {groups} s{stride}{'' if norm else ' no BN'}",
                "SplAtConv2d", args, m, [f32(3, cin, 5, 6)], train=train)
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# 20. Involution: d-li14/involution involution_naive.py (ConvModule = conv + BN + ReLU, conv2 with bias).
class ConvModule(nn.Module):
    def __init__(self, cin, cout, norm):
        super().__init__()
        self.conv = nn.Conv2d(cin, cout, 1, bias=not norm)
        self.norm = norm
        if norm:
            self.bn = nn.BatchNorm2d(cout)

    def forward(self, x):
        return F.relu(self.bn(self.conv(x))) if self.norm else self.conv(x)


def involution_ref(x, weight, k, stride, padding, dilation):
    b, c = x.shape[:2]
    g = weight.shape[1]
    h, w = weight.shape[-2:]
    cols = F.unfold(x, k, dilation, padding, stride).view(b, g, c // g, k * k, h, w)
    return (weight.unsqueeze(2) * cols).sum(3).view(b, c, h, w)


class Involution(nn.Module):
    def __init__(self, channels, k, stride, reduction_ratio=4, group_channels=16):
        super().__init__()
        self.k, self.stride = k, stride
        self.groups = channels // group_channels
        self.conv1 = ConvModule(channels, channels // reduction_ratio, True)
        self.conv2 = ConvModule(channels // reduction_ratio, k * k * self.groups, False)

    def forward(self, x):
        t = x if self.stride == 1 else F.avg_pool2d(x, self.stride, self.stride)
        weight = self.conv2(self.conv1(t))
        b, _, h, w = weight.shape
        weight = weight.view(b, self.groups, self.k * self.k, h, w)
        return involution_ref(x, weight, self.k, self.stride, (self.k - 1) // 2, 1)


def involution():
    s = Suite("involution")
    for c, g, k, stride, padding, dilation, size in [(4, 2, 3, 1, 1, 1, 5), (6, 3, 3, 2, 0, 1, 7), (4, 1, 2, 1, 1, 2, 6),
                                                     (2, 2, 5, 2, 2, 1, 6)]:
        x = f32(2, c, size, size + 1)
        ho = (size + 2 * padding - dilation * (k - 1) - 1) // stride + 1
        wo = (size + 1 + 2 * padding - dilation * (k - 1) - 1) // stride + 1
        kern = f32(2, g, k * k, ho, wo)
        args = dict(kernelSize=k, stride=stride, padding=padding, dilation=dilation)
        s.op(f"involution2d c{c} G{g} k{k} s{stride} p{padding} d{dilation}", "involution2d", args, [x, kern],
             lambda x, w, a=args: involution_ref(x, w, a["kernelSize"], a["stride"], a["padding"], a["dilation"]))
    for c, k, stride, red, gc, size, train in [(32, 3, 1, 4, 16, 5, True), (16, 7, 2, 4, 16, 8, True),
                                               (16, 3, 2, 2, 8, 8, False), (24, 5, 1, 4, 8, 6, True)]:
        m = Involution(c, k, stride, red, gc)
        args = dict(channels=c, kernelSize=k, stride=stride, reductionRatio=red, groupChannels=gc)
        s.layer(f"Involution {c} k{k} s{stride} r{red} group channels {gc}", "Involution", args, m,
                [f32(2, c, size, size)], train=train)
    s.write()


# ---------------------------------------------------------------------------------------------------------------
# ShuffleNet unit: megvii-model/ShuffleNet-Series ShuffleV1Block (the official code): 1×1 group conv, BN, ReLU,
# depthwise k×k (stride), BN, channel shuffle, 1×1 group conv, BN; add + ReLU (stride 1) or concat with a 3×3
# average-pooled shortcut (stride 2). Its shuffle is reshape(n, C/g, g) -> transpose, i.e. channelShuffle(x, C/g).
class ShuffleV1Block(nn.Module):
    def __init__(self, inp, oup, group, first_group, mid, ksize, stride):
        super().__init__()
        self.stride, self.group = stride, group
        outputs = oup - inp if stride == 2 else oup
        self.branch_main_1 = nn.Sequential(
            nn.Conv2d(inp, mid, 1, 1, 0, groups=1 if first_group else group, bias=False), nn.BatchNorm2d(mid),
            nn.ReLU(), nn.Conv2d(mid, mid, ksize, stride, ksize // 2, groups=mid, bias=False), nn.BatchNorm2d(mid))
        self.branch_main_2 = nn.Sequential(nn.Conv2d(mid, outputs, 1, 1, 0, groups=group, bias=False),
                                           nn.BatchNorm2d(outputs))

    def forward(self, x):
        y = self.branch_main_1(x)
        if self.group > 1:
            b, c, h, w = y.shape
            y = y.reshape(b, c // self.group, self.group, h, w).permute(0, 2, 1, 3, 4).reshape(b, c, h, w)
        y = self.branch_main_2(y)
        if self.stride == 1:
            return F.relu(y + x)
        return torch.cat([F.avg_pool2d(x, 3, 2, 1), F.relu(y)], 1)


def shufflenet():
    s = Suite("shufflenet")
    for inp, oup, group, first, mid, stride, train in [
        (12, 12, 3, False, 6, 1, True), (6, 18, 3, True, 6, 2, True), (8, 8, 2, False, 4, 1, False),
        (8, 24, 4, False, 8, 2, True),
    ]:
        m = ShuffleV1Block(inp, oup, group, first, mid, 3, stride)
        args = dict(inChannels=inp, outChannels=oup, groups=group, firstGroup=first, midChannels=mid, stride=stride)
        s.layer(f"ShuffleNetUnit {inp}->{oup} g{group} stride {stride}{' first group' if first else ''}",
                "ShuffleNetUnit", args, m, [f32(2, inp, 6, 7)], train=train)
    s.write()


if __name__ == "__main__":
    for family in (deformable, graph, inception, acnet, octave, hetconv, condconv, dynamic, ghost, scconv, doconv,
                   splat, involution, shufflenet):
        family()
