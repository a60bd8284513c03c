#!/usr/bin/python3
"""Trains a ResNet-style and a MobileNet-style CNN on Fashion-MNIST (CPU, a few minutes) and writes
test/fixtures/fashion-mnist/: fp32 ONNX models (BatchNormalization kept), a QDQ ONNX model made with
torch.ao eager-mode post-training quantization, a calibration subset, a test subset and per-model
reference input/output .npy files. Data comes from Debian's dataset-fashion-mnist package.

Run: /usr/bin/python3 tools/train_fashion_mnist.py [outdir] [--only data,resnet,mobilenet,qdq]   (preprocessing: see test/fixtures/README.md)
"""
import gzip
import json
import os
import sys
import time

import numpy as np
import onnx
import onnx.numpy_helper
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_fixtures import InvertedResidual  # noqa: E402  (the MobileNet block shared with the synthetic fixtures)

DATA = '/usr/share/datasets/fashion-mnist'
HERE = os.path.dirname(os.path.abspath(__file__))
ARGS = [a for i, a in enumerate(sys.argv[1:]) if not a.startswith('--') and sys.argv[i] != '--only']
OUT = ARGS[0] if ARGS else os.path.join(HERE, '..', 'test', 'fixtures', 'fashion-mnist')
MEAN, STD = 0.2860, 0.3530  # Fashion-MNIST training-set pixel mean/std on the [0, 1] scale
OPSET = 17
EPOCHS = {'resnet-fmnist': 3, 'mobilenet-fmnist': 2}
if os.environ.get('EPOCHS'):
    EPOCHS = {k: int(os.environ['EPOCHS']) for k in EPOCHS}


def read_idx(name):
    with gzip.open(os.path.join(DATA, name), 'rb') as f:
        raw = f.read()
    dims = raw[3]
    shape = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], 'big') for i in range(dims)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * dims).reshape(shape)


def normalize(images_u8):
    """uint8 [N, 28, 28] -> float32 [N, 1, 28, 28], (x / 255 - MEAN) / STD."""
    return ((images_u8.astype(np.float32) / 255.0 - MEAN) / STD).reshape(-1, 1, 28, 28).astype(np.float32)


class BasicBlock(nn.Module):
    def __init__(self, cin, cout, stride):
        super().__init__()
        self.conv1 = nn.Conv2d(cin, cout, 3, stride, 1, bias=False)
        self.bn1 = nn.BatchNorm2d(cout)
        self.relu1 = nn.ReLU()
        self.conv2 = nn.Conv2d(cout, cout, 3, 1, 1, bias=False)
        self.bn2 = nn.BatchNorm2d(cout)
        self.down = None
        if stride != 1 or cin != cout:
            self.down = nn.Sequential(nn.Conv2d(cin, cout, 1, stride, bias=False), nn.BatchNorm2d(cout))
        self.add = nn.quantized.FloatFunctional()  # a plain add in fp32; a quantized add after convert
        self.relu2 = nn.ReLU()

    def forward(self, x):
        y = self.relu1(self.bn1(self.conv1(x)))
        y = self.bn2(self.conv2(y))
        s = x if self.down is None else self.down(x)
        return self.relu2(self.add.add(y, s))

    def fuse(self):
        torch.ao.quantization.fuse_modules(self, [['conv1', 'bn1', 'relu1'], ['conv2', 'bn2']], inplace=True)
        if self.down is not None:
            torch.ao.quantization.fuse_modules(self.down, [['0', '1']], inplace=True)


class ResNetFashion(nn.Module):
    """Stem at 28x28, basic-block stages at 14x14, 7x7, 4x4 (16, 32, 64 channels)."""

    def __init__(self, widths=(16, 32, 64), classes=10):
        super().__init__()
        self.quant = torch.ao.quantization.QuantStub()
        self.stem = nn.Sequential(nn.Conv2d(1, widths[0], 3, 1, 1, bias=False), nn.BatchNorm2d(widths[0]), nn.ReLU())
        blocks = []
        cin = widths[0]
        for w in widths:
            blocks += [BasicBlock(cin, w, 2), BasicBlock(w, w, 1)]
            cin = w
        self.blocks = nn.Sequential(*blocks)
        self.pool = nn.AdaptiveAvgPool2d(1)
        self.fc = nn.Linear(cin, classes)
        self.dequant = torch.ao.quantization.DeQuantStub()

    def forward(self, x):
        x = self.blocks(self.stem(self.quant(x)))
        return self.dequant(self.fc(torch.flatten(self.pool(x), 1)))

    def fuse(self):
        torch.ao.quantization.fuse_modules(self.stem, [['0', '1', '2']], inplace=True)
        for b in self.blocks:
            b.fuse()


class MobileNetFashion(nn.Module):
    """Stride-2 stem to 14x14, then V2 inverted residuals (depthwise 3x3) with V3 hard-swish and hard-sigmoid SE."""

    def __init__(self, classes=10):
        super().__init__()
        self.stem = nn.Sequential(nn.Conv2d(1, 16, 3, 2, 1, bias=False), nn.BatchNorm2d(16), nn.Hardswish())
        cfg = [  # cin, cout, stride, expand, act, se
            (16, 16, 1, 1, 're', False),
            (16, 24, 2, 4, 're', False),
            (24, 24, 1, 3, 're', False),
            (24, 40, 2, 3, 'hs', True),
            (40, 40, 1, 3, 'hs', True),
        ]
        self.blocks = nn.Sequential(*[InvertedResidual(*c) for c in cfg])
        self.head = nn.Sequential(nn.Conv2d(40, 96, 1, bias=False), nn.BatchNorm2d(96), nn.Hardswish())
        self.fc = nn.Sequential(nn.Dropout(0.1), nn.Linear(96, classes))

    def forward(self, x):
        x = self.head(self.blocks(self.stem(x)))
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


def cross_entropy_loss(model, xb, yb, gen):
    return F.cross_entropy(model(xb), yb)


def train(model, x, y, epochs, label, batch_loss=cross_entropy_loss):
    """Adam + one-cycle, batches of 128 with random horizontal flips; batch_loss(model, xb, yb, gen) may draw more
    from gen (it is called after the flips, so the random stream stays the same for the default loss)."""
    gen = torch.Generator().manual_seed(7)
    opt = torch.optim.Adam(model.parameters(), lr=3e-3)
    steps = epochs * ((len(x) + 127) // 128)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=3e-3, total_steps=steps)
    t0 = time.time()
    for epoch in range(epochs):
        model.train()
        perm = torch.randperm(len(x), generator=gen)
        total = 0.0
        for i in range(0, len(x), 128):
            idx = perm[i:i + 128]
            xb = x[idx]
            # Light augmentation: random horizontal flips.
            flip = torch.rand(len(idx), generator=gen) < 0.5
            xb = torch.where(flip[:, None, None, None], xb.flip(3), xb)
            loss = batch_loss(model, xb, y[idx], gen)
            opt.zero_grad()
            loss.backward()
            opt.step()
            sched.step()
            total += loss.item() * len(idx)
        print('%s epoch %d loss %.4f (%.0f s)' % (label, epoch + 1, total / len(x), time.time() - t0), flush=True)


def accuracy(model, x, y):
    model.eval()
    with torch.no_grad():
        pred = torch.cat([model(x[i:i + 500]).argmax(1) for i in range(0, len(x), 500)])
    return (pred == y).float().mean().item()


def export(model, x, path):
    """Exports in eval mode with BatchNormalization nodes kept (TrainingMode.EVAL would fold them)."""
    model.eval()
    torch.onnx.export(
        model, (x,), path, opset_version=OPSET, input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}}, do_constant_folding=False,
        training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.producer_name = 'sparq tools/train_fashion_mnist.py (torch ' + torch.__version__ + ')'
    onnx.save(m, path)
    return sorted({n.op_type for n in m.graph.node})


def save_reference(model, x, name):
    with torch.no_grad():
        y = model(x)
    np.save(os.path.join(OUT, name + '.input.npy'), x.numpy())
    np.save(os.path.join(OUT, name + '.output.npy'), y.numpy().astype(np.float32))


def load_resnet_from_onnx(path):
    """Rebuilds the trained ResNet from its exported ONNX file (initializer names are the state_dict keys)."""
    model = ResNetFashion()
    m = onnx.load(path)
    state = {i.name: torch.from_numpy(onnx.numpy_helper.to_array(i).copy()) for i in m.graph.initializer}
    # The exporter stores equal parameters once and names the copies with Identity nodes.
    for n in m.graph.node:
        if n.op_type == 'Identity' and n.input[0] in state:
            state[n.output[0]] = state[n.input[0]]
    missing, unexpected = model.load_state_dict(state, strict=False)
    assert not unexpected and all(k.endswith('num_batches_tracked') for k in missing), (missing, unexpected)
    return model.eval()


def update_metrics(name, model, test_x, test_y):
    path = os.path.join(OUT, 'metrics.json')
    metrics = {'torch': torch.__version__, 'models': {}}
    if os.path.exists(path):
        with open(path) as f:
            metrics = json.load(f)
    acc_full = accuracy(model, test_x, test_y)
    acc_subset = accuracy(model, test_x[:2000], test_y[:2000])
    entry = {'test_accuracy': round(acc_full, 4), 'subset_accuracy': round(acc_subset, 4)}
    if name in EPOCHS:
        entry['epochs'] = EPOCHS[name]
    metrics['models'][name] = entry
    with open(path, 'w') as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
        f.write('\n')
    print('%s: test accuracy %.4f (subset %.4f)' % (name, acc_full, acc_subset), flush=True)


def main():
    """Stages: data, resnet, mobilenet, qdq (the QDQ model quantizes the committed resnet-fmnist.onnx).
    `--only STAGE[,STAGE]` runs some of them; the default runs all in order."""
    stages = ['data', 'resnet', 'mobilenet', 'qdq']
    if '--only' in sys.argv:
        stages = sys.argv[sys.argv.index('--only') + 1].split(',')
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    # One thread: OpenMP workers spin-wait and waste most of their time on a busy shared machine.
    torch.set_num_threads(int(os.environ.get('THREADS', '1')))
    train_x = torch.from_numpy(normalize(read_idx('train-images-idx3-ubyte.gz')))
    train_y = torch.from_numpy(read_idx('train-labels-idx1-ubyte.gz').astype(np.int64))
    limit = int(os.environ.get('LIMIT', '0'))  # smoke runs only: train on the first LIMIT images
    if limit:
        train_x, train_y = train_x[:limit], train_y[:limit]
    test_x = torch.from_numpy(normalize(read_idx('t10k-images-idx3-ubyte.gz')))
    test_y = torch.from_numpy(read_idx('t10k-labels-idx1-ubyte.gz').astype(np.int64))
    # Committed subsets: the first 500 training images (calibration) and the first 2,000 test images.
    calib = train_x[:500]
    sample = test_x[:8]
    if 'data' in stages:
        np.save(os.path.join(OUT, 'calibration.npy'), calib.numpy())
        np.save(os.path.join(OUT, 'test-images.npy'), test_x[:2000].numpy())
        np.save(os.path.join(OUT, 'test-labels.npy'), test_y[:2000].numpy())

    for stage, name, Model in (('resnet', 'resnet-fmnist', ResNetFashion), ('mobilenet', 'mobilenet-fmnist', MobileNetFashion)):
        if stage not in stages:
            continue
        torch.manual_seed(0)
        model = Model()
        train(model, train_x, train_y, EPOCHS[name], name)
        ops = export(model, sample, os.path.join(OUT, name + '.onnx'))
        save_reference(model, sample, name)
        print('%s ops: %s' % (name, ' '.join(ops)), flush=True)
        update_metrics(name, model, test_x, test_y)

    if 'qdq' not in stages:
        return
    # QDQ model the PyTorch way: eager-mode post-training static quantization (qnnpack: per-tensor
    # int8 weights, uint8 activations), calibrated on the committed calibration subset, then exported;
    # torch's exporter writes quantized ops as DequantizeLinear -> op -> QuantizeLinear.
    resnet = load_resnet_from_onnx(os.path.join(OUT, 'resnet-fmnist.onnx'))
    torch.backends.quantized.engine = 'qnnpack'
    q = ResNetFashion()
    q.load_state_dict(resnet.state_dict())
    q.eval()
    q.fuse()
    q.qconfig = torch.ao.quantization.get_default_qconfig('qnnpack')
    torch.ao.quantization.prepare(q, inplace=True)
    with torch.no_grad():
        for i in range(0, len(calib), 100):
            q(calib[i:i + 100])
    torch.ao.quantization.convert(q, inplace=True)
    qpath = os.path.join(OUT, 'resnet-fmnist-qdq.onnx')
    with torch.no_grad():
        traced = torch.jit.trace(q, sample)
    torch.onnx.export(
        traced, (sample,), qpath, opset_version=OPSET, input_names=['input'], output_names=['logits'],
        dynamic_axes={'input': {0: 'batch'}, 'logits': {0: 'batch'}})
    m = onnx.load(qpath)
    onnx.checker.check_model(m)
    m.producer_name = 'sparq tools/train_fashion_mnist.py (torch ' + torch.__version__ + ' qnnpack PTQ)'
    onnx.save(m, qpath)
    save_reference(q, sample, 'resnet-fmnist-qdq')
    ops = {}
    for n in m.graph.node:
        ops[n.op_type] = ops.get(n.op_type, 0) + 1
    print('resnet-fmnist-qdq ops: %s' % ops, flush=True)
    update_metrics('resnet-fmnist-qdq', q, test_x, test_y)


if __name__ == '__main__':
    main()
