/**
 * What reconstruction needs from a layer's inputs, accumulated one sample at a time: H = XpᵀXp over the inputs of the
 * already pruned model and C = XdᵀXp pairing them with the dense model's inputs, both augmented by a constant-1
 * column so the bias is re-fitted with the weights.
 */
import type { GramEngines } from './gram-engine';

export class LayerStatistics {
  /** XpᵀXp, k x k. */
  private readonly h: Float64Array;
  /** XdᵀXp, k x k. */
  private readonly c: Float64Array;
  private readonly sumPruned: Float64Array;
  private readonly sumDense: Float64Array;
  private rows = 0;
  private readonly bufferPruned: Float32Array;
  private readonly bufferDense: Float32Array;
  private buffered = 0;

  /** `gram` computes the products of blocks of gram.rows rows. */
  constructor(
    readonly k: number,
    private readonly gram: GramEngines,
  ) {
    this.bufferPruned = new Float32Array(gram.rows * k);
    this.bufferDense = new Float32Array(gram.rows * k);
    this.h = new Float64Array(k * k);
    this.c = new Float64Array(k * k);
    this.sumPruned = new Float64Array(k);
    this.sumDense = new Float64Array(k);
  }

  /** Adds `count` rows of the pruned model's inputs `xp` and the dense model's `xd` for the same sample (rows x k each). */
  add(xp: ArrayLike<number>, xd: ArrayLike<number>, count: number): void {
    const k = this.k;
    for (let r = 0; r < count; r++) {
      if (this.buffered === this.gram.rows) this.flush();
      const at = this.buffered * k;
      for (let i = 0; i < k; i++) {
        this.bufferPruned[at + i] = xp[r * k + i];
        this.bufferDense[at + i] = xd[r * k + i];
      }
      this.buffered++;
    }
    this.rows += count;
  }

  private flush(): void {
    const k = this.k;
    const n = this.buffered;
    if (n === 0) return;
    // Zero rows add nothing to the products: a partial block is padded.
    this.bufferPruned.fill(0, n * k);
    this.bufferDense.fill(0, n * k);
    const { h, c } = this.gram.run(k, this.bufferPruned, this.bufferDense);
    for (let i = 0; i < k * k; i++) {
      this.h[i] += h[i];
      this.c[i] += c[i];
    }
    for (let r = 0; r < n; r++) {
      for (let i = 0; i < k; i++) {
        this.sumPruned[i] += this.bufferPruned[r * k + i];
        this.sumDense[i] += this.bufferDense[r * k + i];
      }
    }
    this.buffered = 0;
  }

  /**
   * The (k+1) x (k+1) matrices 2/n·[X 1]ᵀ[X 1]: H of the pruned inputs and C = XdᵀXp, the constant column last.
   * Call once.
   */
  finish(): { h: Float64Array; c: Float64Array } {
    const k = this.k;
    const n = k + 1;
    this.flush();
    const scale = 2 / Math.max(1, this.rows);
    const h = new Float64Array(n * n);
    const c = new Float64Array(n * n);
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        h[i * n + j] = this.h[i * k + j] * scale;
        c[i * n + j] = this.c[i * k + j] * scale;
      }
      h[i * n + k] = h[k * n + i] = this.sumPruned[i] * scale;
      c[i * n + k] = this.sumDense[i] * scale;
      c[k * n + i] = this.sumPruned[i] * scale;
    }
    h[k * n + k] = c[k * n + k] = this.rows * scale;
    return { h, c };
  }
}
