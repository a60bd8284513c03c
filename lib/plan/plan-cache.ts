/** A small least-recently-used cache of compiled plans keyed by input-shape signature. */

export class PlanCache<T> {
  private readonly entries = new Map<string, T>();

  constructor(
    readonly capacity: number,
    private readonly evicted: (value: T) => void = () => undefined,
  ) {}

  get(key: string): T | undefined {
    const value = this.entries.get(key);
    if (value !== undefined) {
      // Re-insert so Map order is recency order.
      this.entries.delete(key);
      this.entries.set(key, value);
    }
    return value;
  }

  set(key: string, value: T): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    while (this.entries.size > this.capacity) {
      const [oldest, old] = this.entries.entries().next().value as [string, T];
      this.entries.delete(oldest);
      this.evicted(old);
    }
  }

  get size(): number {
    return this.entries.size;
  }

  values(): T[] {
    return [...this.entries.values()];
  }

  clear(): void {
    for (const v of this.entries.values()) this.evicted(v);
    this.entries.clear();
  }
}
