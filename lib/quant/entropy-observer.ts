/**
 * Entropy calibration (TensorRT's method): a 2048-bin histogram of |x|; for every candidate threshold of i >= 128 bins,
 * the reference distribution P (tail folded into the last bin) is compared with its 128-level quantization Q, and the
 * threshold with the smallest KL(P || Q) wins. As in NVIDIA's pytorch-quantization, the zero bin counts as much as
 * its neighbour (ReLU outputs are half zeros, and that spike alone would pull the threshold far down), and tensors
 * without negative values get 256 levels, which their u8 range really has.
 */
import { ActivationObserver, checkObserved } from './activation-observer';
import { GrowingHistogram } from './histogram';
import type { Range } from './quant-params';

/** Smoothing of zero entries (MXNet's): zeros become EPS and the non-zero entries give up that mass evenly. */
const EPS = 1e-4;

/** Scratch space for the divergence of each candidate, reused across thresholds. */
class DivergenceScratch {
  readonly p: Float64Array;
  readonly q: Float64Array;
  readonly suffix: Float64Array;

  constructor(readonly counts: ArrayLike<number>) {
    const n = counts.length;
    this.p = new Float64Array(n);
    this.q = new Float64Array(n);
    this.suffix = new Float64Array(n + 1);
    for (let j = n - 1; j >= 0; j--) this.suffix[j] = this.suffix[j + 1] + counts[j];
  }
}

/** KL(P || Q) after smoothing both; p and q hold the first `i` entries. */
function smoothedKl(p: Float64Array, q: Float64Array, i: number): number {
  let pZeros = 0;
  let qZeros = 0;
  let sp = 0;
  let sq = 0;
  for (let j = 0; j < i; j++) {
    if (p[j] === 0) pZeros++;
    if (q[j] === 0) qZeros++;
    sp += p[j];
    sq += q[j];
  }
  if (!(sp > 0) || !(sq > 0) || pZeros === i || qZeros === i) return Infinity;
  const pTake = (EPS * pZeros) / (i - pZeros);
  const qTake = (EPS * qZeros) / (i - qZeros);
  // Smoothing keeps each sum, so the normalizers are the raw sums.
  let kl = 0;
  for (let j = 0; j < i; j++) {
    const pj = (p[j] === 0 ? EPS : p[j] - pTake) / sp;
    const qj = (q[j] === 0 ? EPS : q[j] - qTake) / sq;
    if (pj > 0) kl += qj > 0 ? pj * Math.log(pj / qj) : Infinity;
  }
  return kl;
}

function divergenceAt(scratch: DivergenceScratch, i: number, levels: number): number {
  const { counts, p, q } = scratch;
  for (let j = 0; j < i; j++) p[j] = counts[j];
  p[i - 1] += scratch.suffix[i];
  const merged = Math.floor(i / levels);
  for (let level = 0; level < levels; level++) {
    const start = level * merged;
    const stop = level === levels - 1 ? i : start + merged;
    let sum = 0;
    let nonZero = 0;
    for (let j = start; j < stop; j++) {
      sum += counts[j];
      if (p[j] !== 0) nonZero++;
    }
    const value = nonZero === 0 ? 0 : sum / nonZero;
    for (let j = start; j < stop; j++) q[j] = p[j] !== 0 ? value : 0;
  }
  return smoothedKl(p, q, i);
}

/**
 * The KL divergence between the reference distribution of the first `i` bins (tail added to bin i-1) and its
 * `levels`-level quantization expanded back over P's non-zero bins. Exported for tests.
 */
export function thresholdDivergence(counts: ArrayLike<number>, i: number, levels: number): number {
  return divergenceAt(new DivergenceScratch(counts), i, levels);
}

/** The bin count i in [levels, bins] with the smallest divergence (the first on ties). Exported for tests. */
export function entropyThresholdBins(counts: ArrayLike<number>, levels = 128): number {
  const scratch = new DivergenceScratch(counts);
  let best = counts.length;
  let bestKl = Infinity;
  for (let i = levels; i <= counts.length; i++) {
    const kl = divergenceAt(scratch, i, levels);
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best;
}

export class EntropyObserver implements ActivationObserver {
  private readonly histogram: GrowingHistogram;
  private min = Infinity;
  private max = -Infinity;
  private abs: Float32Array = new Float32Array(0);

  constructor(
    private readonly levels = 128,
    bins = 2048,
  ) {
    this.histogram = new GrowingHistogram(bins, true);
  }

  observe(data: ArrayLike<number>): void {
    if (this.abs.length < data.length) this.abs = new Float32Array(data.length);
    const abs = this.abs.length === data.length ? this.abs : this.abs.subarray(0, data.length);
    for (let i = 0; i < data.length; i++) {
      const v = data[i];
      if (v < this.min) this.min = v;
      if (v > this.max) this.max = v;
      abs[i] = v < 0 ? -v : v;
    }
    this.histogram.add(abs);
  }

  range(): Range {
    const h = this.histogram;
    checkObserved(h.total > 0, 'entropy');
    if (h.binWidth === 0) return { min: this.min, max: this.max };
    const counts = Float64Array.from(h.counts);
    counts[0] = counts[1];
    const i = entropyThresholdBins(counts, this.min >= 0 ? 2 * this.levels : this.levels);
    const threshold = Math.min((i + 0.5) * h.binWidth, h.max);
    return { min: Math.max(this.min, -threshold), max: Math.min(this.max, threshold) };
  }
}
