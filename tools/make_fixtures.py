#!/usr/bin/python3
"""Builds the small real-architecture ONNX fixtures under test/fixtures/models/ (offline, seeded).

Each model is built in code with random weights and randomized BatchNorm running statistics (so
BN is not an identity), exported with torch.onnx.export (TorchScript exporter, opset 17, eval mode,
BatchNormalization nodes kept: do_constant_folding=False) with a dynamic batch axis (and dynamic
H/W for the CNNs), and saved next to a reference input `<name>.input.npy` and torch's output
`<name>.output.npy`.

Run with Debian's interpreter:  /usr/bin/python3 tools/make_fixtures.py [outdir]
"""
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

OPSET = 17
HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'test', 'fixtures', 'models')


def randomize_batchnorm(model, gen):
    """Gives every BatchNorm non-trivial running stats and affine params so BN is not identity."""
    for m in model.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            c = m.num_features
            m.running_mean.copy_(torch.randn(c, generator=gen) * 0.2)
            m.running_var.copy_(torch.rand(c, generator=gen) * 0.8 + 0.6)
            m.weight.data.copy_(torch.rand(c, generator=gen) * 0.8 + 0.6)
            m.bias.data.copy_(torch.randn(c, generator=gen) * 0.2)


# ---- resnet-style: basic blocks with residual adds -------------------------------------------

class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))

    def forward(self, x):
        y = F.relu(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.down is None else self.down(x)
        return F.relu(y + s)


class ResNetStyle(nn.Module):
    def __init__(self, in_ch=3, classes=10, widths=(16, 32, 64)):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_ch, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        layers = []
        cin = widths[0]
        for i, w in enumerate(widths):
            layers.append(BasicBlock(cin, w, 1 if i == 0 else 2))
            layers.append(BasicBlock(w, w, 1))
            cin = w
        self.layers = nn.Sequential(*layers)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        x = self.layers(self.stem(x))
        return self.fc(torch.flatten(self.pool(x), 1))


# ---- mobilenet-style: V2 inverted residuals (depthwise) + V3 hard-swish / SE with hard-sigmoid --

class SqueezeExcite(nn.Module):
    def __init__(self, c, r=4):
        super().__init__()
        self.fc1 = nn.Conv2d(c, max(8, c // r), 1)
        self.fc2 = nn.Conv2d(max(8, c // r), c, 1)

    def forward(self, x):
        s = F.adaptive_avg_pool2d(x, 1)
        s = F.hardsigmoid(self.fc2(F.relu(self.fc1(s))))
        return x * s


class InvertedResidual(nn.Module):
    def __init__(self, cin, cout, stride, expand, act, se):
        super().__init__()
        hid = cin * expand
        Act = nn.Hardswish if act == 'hs' else nn.ReLU6
        layers = []
        if expand != 1:
            layers += [nn.Conv2d(cin, hid, 1, bias=False), nn.BatchNorm2d(hid), Act()]
        layers += [nn.Conv2d(hid, hid, 3, stride, 1, groups=hid, bias=False), nn.BatchNorm2d(hid), Act()]
        if se:
            layers.append(SqueezeExcite(hid))
        layers += [nn.Conv2d(hid, cout, 1, bias=False), nn.BatchNorm2d(cout)]
        self.body = nn.Sequential(*layers)
        self.residual = stride == 1 and cin == cout

    def forward(self, x):
        y = self.body(x)
        return x + y if self.residual else y


class MobileNetStyle(nn.Module):
    def __init__(self, in_ch=3, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(in_ch, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        cfg = [  # cin, cout, stride, expand, act, se
            (16, 16, 1, 1, 're', False),
            (16, 24, 2, 4, 're', False),
            (24, 24, 1, 3, 're', False),
            (24, 40, 2, 3, 'hs', True),
            (40, 40, 1, 3, 'hs', True),
            (40, 48, 1, 3, 'hs', True),
        ]
        self.blocks = nn.Sequential(*[InvertedResidual(*c) for c in cfg])
        self.head = nn.Sequential(nn.Conv2d(48, 96, 1, bias=False), nn.BatchNorm2d(96), nn.Hardswish())
        self.fc = nn.Sequential(nn.Linear(96, 64), nn.Hardswish(), nn.Dropout(0.2), nn.Linear(64, classes))

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


# ---- unet-style: encoder/decoder with ConvTranspose, Upsample (Resize), Concat skips ----------

def double_conv(cin, cout):
    return nn.Sequential(
        nn.Conv2d(cin, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU(),
        nn.Conv2d(cout, cout, 3, 1, 1, bias=False), nn.BatchNorm2d(cout), nn.LeakyReLU(0.1))


class UNetStyle(nn.Module):
    def __init__(self, in_ch=3, out_ch=2):
        super().__init__()
        self.enc1 = double_conv(in_ch, 16)
        self.enc2 = double_conv(16, 32)
        self.mid = double_conv(32, 64)
        self.up2 = nn.ConvTranspose2d(64, 32, 2, 2)
        self.dec2 = double_conv(64, 32)
        self.up1 = nn.Upsample(scale_factor=2, mode='bilinear', align_corners=False)
        self.dec1 = double_conv(32 + 16, 16)
        self.head = nn.Conv2d(16, out_ch, 1)

    def forward(self, x):
        e1 = self.enc1(x)
        e2 = self.enc2(F.max_pool2d(e1, 2))
        m = self.mid(F.max_pool2d(e2, 2))
        d2 = self.dec2(torch.cat([self.up2(m), e2], 1))
        d1 = self.dec1(torch.cat([self.up1(d2), e1], 1))
        return torch.sigmoid(self.head(d1))


# ---- tiny transformer encoder: MatMul, LayerNorm, Softmax, Gelu --------------------------------

class EncoderLayer(nn.Module):
    def __init__(self, d, heads, ff):
        super().__init__()
        self.heads = heads
        self.qkv = nn.Linear(d, 3 * d)
        self.proj = nn.Linear(d, d)
        self.ln1 = nn.LayerNorm(d)
        self.ln2 = nn.LayerNorm(d)
        self.ff1 = nn.Linear(d, ff)
        self.ff2 = nn.Linear(ff, d)

    def forward(self, x):
        b, t, d = x.shape
        h = self.heads
        q, k, v = self.qkv(self.ln1(x)).chunk(3, dim=-1)
        q = q.reshape(b, t, h, d // h).transpose(1, 2)
        k = k.reshape(b, t, h, d // h).transpose(1, 2)
        v = v.reshape(b, t, h, d // h).transpose(1, 2)
        att = torch.softmax(torch.matmul(q, k.transpose(-2, -1)) / float((d // h) ** 0.5), dim=-1)
        y = torch.matmul(att, v).transpose(1, 2).reshape(b, t, d)
        x = x + self.proj(y)
        return x + self.ff2(F.gelu(self.ff1(self.ln2(x))))


class TinyTransformer(nn.Module):
    def __init__(self, vocab_dim=32, d=64, heads=4, ff=128, layers=2, seq=16, classes=5):
        super().__init__()
        self.embed = nn.Linear(vocab_dim, d)
        self.pos = nn.Parameter(torch.randn(1, seq, d) * 0.1)
        self.layers = nn.ModuleList([EncoderLayer(d, heads, ff) for _ in range(layers)])
        self.ln = nn.LayerNorm(d)
        self.head = nn.Linear(d, classes)

    def forward(self, x):
        x = self.embed(x) + self.pos
        for layer in self.layers:
            x = layer(x)
        return self.head(self.ln(x).mean(dim=1))


def randomize_layernorm(model, gen):
    for m in model.modules():
        if isinstance(m, nn.LayerNorm):
            m.weight.data.copy_(torch.rand(m.weight.shape, generator=gen) * 0.8 + 0.6)
            m.bias.data.copy_(torch.randn(m.bias.shape, generator=gen) * 0.2)


def export(model, x, name, dynamic_axes, outdir):
    """Exports `model` (eval mode, BN kept) and saves input and torch output next to it."""
    model.eval()
    with torch.no_grad():
        y = model(x)
    path = os.path.join(outdir, name + '.onnx')
    torch.onnx.export(
        model, (x,), path, opset_version=OPSET, input_names=['input'], output_names=['output'],
        dynamic_axes=dynamic_axes, do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE)  # EVAL would fold BN into Conv
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.producer_name = 'sparq tools/make_fixtures.py (torch ' + torch.__version__ + ')'
    onnx.save(m, path)
    np.save(os.path.join(outdir, name + '.input.npy'), x.numpy().astype(np.float32))
    np.save(os.path.join(outdir, name + '.output.npy'), y.numpy().astype(np.float32))
    ops = sorted({n.op_type for n in m.graph.node})
    print('%-18s %7.1f kB  %s' % (name, os.path.getsize(path) / 1024, ' '.join(ops)))


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    cnn_axes = {'input': {0: 'batch', 2: 'height', 3: 'width'}, 'output': {0: 'batch'}}

    gen = torch.Generator().manual_seed(1)
    m = ResNetStyle()
    randomize_batchnorm(m, gen)
    export(m, torch.randn(2, 3, 32, 32, generator=gen), 'resnet-style', cnn_axes, OUT)

    gen = torch.Generator().manual_seed(2)
    m = MobileNetStyle()
    randomize_batchnorm(m, gen)
    export(m, torch.randn(2, 3, 64, 64, generator=gen), 'mobilenet-style', cnn_axes, OUT)

    gen = torch.Generator().manual_seed(3)
    m = UNetStyle()
    randomize_batchnorm(m, gen)
    export(m, torch.randn(1, 3, 48, 64, generator=gen), 'unet-style',
           {'input': {0: 'batch', 2: 'height', 3: 'width'}, 'output': {0: 'batch', 2: 'height', 3: 'width'}}, OUT)

    gen = torch.Generator().manual_seed(4)
    m = TinyTransformer()
    randomize_layernorm(m, gen)
    export(m, torch.randn(2, 16, 32, generator=gen), 'tiny-transformer',
           {'input': {0: 'batch'}, 'output': {0: 'batch'}}, OUT)


if __name__ == '__main__':
    main()
