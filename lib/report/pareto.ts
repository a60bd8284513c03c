/** The Pareto front of (latency, accuracy) points: none of them is beaten on both by another point. */
export interface TradeoffPoint {
  name: string;
  /** Higher is better. */
  accuracy: number;
  /** Lower is better. */
  latencyMs: number;
}

/** Indices of the points on the front, ordered by latency. */
export function paretoFront(points: readonly TradeoffPoint[]): number[] {
  const order = points.map((_, i) => i).sort((a, b) => points[a].latencyMs - points[b].latencyMs || points[b].accuracy - points[a].accuracy);
  const front: number[] = [];
  let best = -Infinity;
  for (const i of order) {
    if (points[i].accuracy > best) {
      front.push(i);
      best = points[i].accuracy;
    }
  }
  return front;
}
