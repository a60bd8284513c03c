#!/usr/bin/python3
"""Writes the distillation training subset: Fashion-MNIST training images 500..5499 (after the 500 of calibration.npy)
as uint8 [5000, 28, 28] and their labels as uint8 [5000], from Debian's dataset-fashion-mnist. No test image is in it.

Usage: /usr/bin/python3 tools/make_train_subset.py [OUT_DIR] (default test/fixtures/fashion-mnist)
"""
import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from train_fashion_mnist import read_idx  # noqa: E402  (same idx reader as the training script)

HERE = os.path.dirname(os.path.abspath(__file__))
OUT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, '..', 'test', 'fixtures', 'fashion-mnist')
FIRST, COUNT = 500, 5000


def main():
    images = read_idx('train-images-idx3-ubyte.gz')[FIRST:FIRST + COUNT]
    labels = read_idx('train-labels-idx1-ubyte.gz')[FIRST:FIRST + COUNT]
    os.makedirs(OUT, exist_ok=True)
    np.save(os.path.join(OUT, 'train-images.npy'), np.ascontiguousarray(images, dtype=np.uint8))
    np.save(os.path.join(OUT, 'train-labels.npy'), np.ascontiguousarray(labels, dtype=np.uint8))


if __name__ == '__main__':
    main()
