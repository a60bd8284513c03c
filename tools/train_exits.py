#!/usr/bin/python3
"""Trains a small Fashion-MNIST CNN with two early exits (intermediate classifier heads) and a final head, and
writes test/fixtures/fashion-mnist/exits-fmnist.onnx (outputs exit1, exit2, logits; dynamic batch, height and
width), a reference input/output pair and exits-metrics.json (per-exit test accuracy at 28/24/20/16 px, MACs
per exit). Trained with a joint weighted loss over the three heads and random input scales (bilinear resize to
16, 20, 24 or 28 px) so the same model also serves lower resolutions. Data: Debian's dataset-fashion-mnist.

Run: /usr/bin/python3 tools/train_exits.py [outdir]      (EPOCHS, THREADS, LIMIT env variables as in
tools/train_fashion_mnist.py; preprocessing and resize: see test/fixtures/README.md)
"""
import json
import os
import sys

import numpy as np
import onnx
import torch
import torch.nn as nn
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_mnist import normalize, read_idx, train  # noqa: E402  (same data reading, preprocessing, loop)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'test', 'fixtures', 'fashion-mnist')
NAME = 'exits-fmnist'
OPSET = 17
EPOCHS = int(os.environ.get('EPOCHS', '5'))
SIZES = (16, 20, 24, 28)
# Joint loss weights for exit1, exit2, logits: the final head weighs most so the exits do not cost it accuracy.
LOSS_WEIGHTS = (0.6, 0.8, 1.0)
OUTPUTS = ('exit1', 'exit2', 'logits')


def conv_bn_relu(cin, cout, stride):
    return nn.Sequential(nn.Conv2d(cin, cout, 3, stride, 1, bias=False), nn.BatchNorm2d(cout), nn.ReLU())


class ExitHead(nn.Module):
    """GlobalAveragePool + Gemm: costs almost nothing beside the backbone and works at any input size."""

    def __init__(self, cin, classes):
        super().__init__()
        self.fc = nn.Linear(cin, classes)

    def forward(self, x):
        return self.fc(torch.flatten(F.adaptive_avg_pool2d(x, 1), 1))


class ExitsFashion(nn.Module):
    """Three stages (28x28 -> 14x14 -> 7x7 -> 4x4 at 28 px); exit1 after stage 1, exit2 after stage 2."""

    def __init__(self, classes=10):
        super().__init__()
        self.stage1 = nn.Sequential(conv_bn_relu(1, 24, 1), conv_bn_relu(24, 48, 2))
        self.exit1 = ExitHead(48, classes)
        self.stage2 = nn.Sequential(conv_bn_relu(48, 48, 1), conv_bn_relu(48, 64, 2))
        self.exit2 = ExitHead(64, classes)
        self.stage3 = nn.Sequential(conv_bn_relu(64, 64, 1), conv_bn_relu(64, 128, 2))
        self.head = ExitHead(128, classes)

    def forward(self, x):
        a = self.stage1(x)
        b = self.stage2(a)
        c = self.stage3(b)
        return self.exit1(a), self.exit2(b), self.head(c)


def macs_per_exit(model, size=28):
    """MACs (multiply-accumulates of Conv and Gemm) needed to compute each output, counting shared layers once."""
    counts = {}
    hooks = []

    def hook(name):
        def record(module, inputs, output):
            if isinstance(module, nn.Conv2d):
                k = module.kernel_size[0] * module.kernel_size[1] * module.in_channels // module.groups
                counts[name] = output.numel() * k
            elif isinstance(module, nn.Linear):
                counts[name] = output.numel() * module.in_features
        return record

    for name, module in model.named_modules():
        if isinstance(module, (nn.Conv2d, nn.Linear)):
            hooks.append(module.register_forward_hook(hook(name)))
    model.eval()
    with torch.no_grad():
        model(torch.zeros(1, 1, size, size))
    for h in hooks:
        h.remove()

    def total(prefixes):
        return sum(v for k, v in counts.items() if any(k.startswith(p + '.') for p in prefixes))

    return {
        'exit1': total(['stage1', 'exit1']),
        'exit2': total(['stage1', 'stage2', 'exit2']),
        'logits': total(['stage1', 'stage2', 'stage3', 'head']),
        'all_outputs': total(['stage1', 'stage2', 'stage3', 'exit1', 'exit2', 'head']),
    }


def resize(x, size):
    """Bilinear, half-pixel centres (align_corners=False), no antialiasing: ONNX Resize linear/half_pixel."""
    if x.shape[-1] == size and x.shape[-2] == size:
        return x
    return F.interpolate(x, size=(size, size), mode='bilinear', align_corners=False)


def multi_scale_exit_loss(model, xb, yb, gen):
    """Each batch at one random input size; the weighted sum of the three heads' cross-entropies."""
    size = SIZES[int(torch.randint(len(SIZES), (1,), generator=gen))]
    outs = model(resize(xb, size))
    return sum(w * F.cross_entropy(o, yb) for w, o in zip(LOSS_WEIGHTS, outs))


def accuracies(model, x, y, size):
    model.eval()
    with torch.no_grad():
        preds = [[], [], []]
        for i in range(0, len(x), 500):
            for k, o in enumerate(model(resize(x[i:i + 500], size))):
                preds[k].append(o.argmax(1))
    return {name: round((torch.cat(p) == y).float().mean().item(), 4) for name, p in zip(OUTPUTS, preds)}


def export(model, x, path):
    """Eval-mode export with BatchNormalization kept (as the other fixtures); batch, height, width dynamic."""
    model.eval()
    axes = {'input': {0: 'batch', 2: 'height', 3: 'width'}}
    axes.update({name: {0: 'batch'} for name in OUTPUTS})
    torch.onnx.export(
        model, (x,), path, opset_version=OPSET, input_names=['input'], output_names=list(OUTPUTS),
        dynamic_axes=axes, do_constant_folding=False, training=torch.onnx.TrainingMode.PRESERVE)
    m = onnx.load(path)
    onnx.checker.check_model(m)
    m.producer_name = 'sparq tools/train_exits.py (torch ' + torch.__version__ + ')'
    onnx.save(m, path)
    return sorted({n.op_type for n in m.graph.node})


def main():
    os.makedirs(OUT, exist_ok=True)
    torch.manual_seed(0)
    torch.set_num_threads(int(os.environ.get('THREADS', '1')))
    train_x = torch.from_numpy(normalize(read_idx('train-images-idx3-ubyte.gz')))
    train_y = torch.from_numpy(read_idx('train-labels-idx1-ubyte.gz').astype(np.int64))
    limit = int(os.environ.get('LIMIT', '0'))  # smoke runs only
    if limit:
        train_x, train_y = train_x[:limit], train_y[:limit]
    test_x = torch.from_numpy(normalize(read_idx('t10k-images-idx3-ubyte.gz')))
    test_y = torch.from_numpy(read_idx('t10k-labels-idx1-ubyte.gz').astype(np.int64))

    torch.manual_seed(0)
    model = ExitsFashion()
    train(model, train_x, train_y, EPOCHS, NAME, batch_loss=multi_scale_exit_loss)
    sample = test_x[:8]
    ops = export(model, sample, os.path.join(OUT, NAME + '.onnx'))
    with torch.no_grad():
        outs = model(sample)
    np.save(os.path.join(OUT, NAME + '.input.npy'), sample.numpy())
    # <name>.output.npy holds the first output (exit1), as for every fixture; all-outputs.npy is [3, 8, 10]:
    # exit1, exit2, logits for the 8 reference images, in that order.
    np.save(os.path.join(OUT, NAME + '.output.npy'), outs[0].numpy().astype(np.float32))
    np.save(os.path.join(OUT, NAME + '.all-outputs.npy'), torch.stack(outs).numpy().astype(np.float32))

    metrics = {
        'torch': torch.__version__,
        'epochs': EPOCHS,
        'loss_weights': dict(zip(OUTPUTS, LOSS_WEIGHTS)),
        'train_sizes': list(SIZES),
        'ops': ops,
        'macs': {str(s): macs_per_exit(model, s) for s in SIZES[::-1]},
        'test_accuracy': {str(s): accuracies(model, test_x, test_y, s) for s in SIZES[::-1]},
        'subset_accuracy': {str(s): accuracies(model, test_x[:2000], test_y[:2000], s) for s in SIZES[::-1]},
    }
    with open(os.path.join(OUT, NAME.replace('-fmnist', '') + '-metrics.json'), 'w') as f:
        json.dump(metrics, f, indent=2, sort_keys=True)
        f.write('\n')
    print(json.dumps(metrics, indent=1), flush=True)


if __name__ == '__main__':
    main()
