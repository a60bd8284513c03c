#!/usr/bin/python3
"""Writes the small .npy files test/npy.test.ts checks lib/format/npy.ts against (numpy is the oracle).

Every supported array holds arange(n) cast to its dtype (bool: arange % 3 == 0) so the test can
recompute the values. Run: /usr/bin/python3 tools/make_npy_fixtures.py
"""
import os

import numpy as np

OUT = os.path.join(os.path.dirname(os.path.abspath(__file__)), '..', 'test', 'fixtures', 'npy')


def values(dtype, shape):
    n = int(np.prod(shape))
    a = np.arange(n) - (n // 2 if dtype in ('f4', 'f8', 'i1', 'i4', 'i8') else 0)
    if dtype == 'b1':
        a = a % 3 == 0
    elif dtype in ('f4', 'f8'):
        a = a * 0.5
    return a.astype(dtype).reshape(shape)


def main():
    os.makedirs(OUT, exist_ok=True)
    for dtype in ('f4', 'f8', 'i1', 'u1', 'i4', 'i8', 'b1'):
        np.save(os.path.join(OUT, '%s-2x3x4.npy' % dtype), values(dtype, (2, 3, 4)))
    np.save(os.path.join(OUT, 'f4-scalar.npy'), values('f4', ()))
    np.save(os.path.join(OUT, 'f4-7.npy'), values('f4', (7,)))
    np.save(os.path.join(OUT, 'f4-0x3.npy'), values('f4', (0, 3)))
    with open(os.path.join(OUT, 'i8-3x5-v2.npy'), 'wb') as f:
        np.lib.format.write_array(f, values('i8', (3, 5)), version=(2, 0))
    # Unsupported on purpose.
    np.save(os.path.join(OUT, 'f4-fortran-3x4.npy'), np.asfortranarray(values('f4', (3, 4))))
    np.save(os.path.join(OUT, 'f4-bigendian-4.npy'), values('f4', (4,)).astype('>f4'))
    np.save(os.path.join(OUT, 'f2-4.npy'), values('f4', (4,)).astype('f2'))


if __name__ == '__main__':
    main()
