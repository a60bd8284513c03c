/** Inline SVG charts for the HTML report: accuracy-vs-latency scatter with its Pareto front, horizontal bars, histograms. */
import { paretoFront, TradeoffPoint } from './pareto';

export function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] as string);
}

const n = (v: number) => (Number.isFinite(v) ? Number(v.toFixed(2)) : 0);

/** Round tick values covering [lo, hi]. */
function ticks(lo: number, hi: number, count = 5): number[] {
  const span = hi - lo || Math.abs(hi) || 1;
  const raw = span / count;
  const step = [1, 2, 5, 10].map((m) => m * 10 ** Math.floor(Math.log10(raw))).find((s) => s >= raw) ?? raw;
  const out: number[] = [];
  for (let t = Math.ceil(lo / step) * step; t <= hi + step * 1e-9; t += step) out.push(Number(t.toPrecision(12)));
  return out;
}

function extent(values: number[], pad = 0.08): [number, number] {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (lo === hi) {
    lo -= Math.abs(lo) * 0.1 || 1;
    hi += Math.abs(hi) * 0.1 || 1;
  }
  const p = (hi - lo) * pad;
  return [lo - p, hi + p];
}

/** x = latency (ms, lower is better), y = accuracy (%); front points filled and joined by a step line. */
export function scatterChart(points: readonly (TradeoffPoint & { chosen?: boolean })[], width = 640, height = 380): string {
  const m = { l: 56, r: 16, t: 16, b: 44 };
  const [x0, x1] = extent(points.map((p) => p.latencyMs));
  const [y0, y1] = extent(points.map((p) => p.accuracy));
  const X = (v: number) => m.l + ((v - x0) / (x1 - x0)) * (width - m.l - m.r);
  const Y = (v: number) => height - m.b - ((v - y0) / (y1 - y0)) * (height - m.t - m.b);
  const front = paretoFront(points);
  const parts: string[] = [];
  for (const t of ticks(x0, x1)) parts.push(`<line class="grid" x1="${n(X(t))}" x2="${n(X(t))}" y1="${m.t}" y2="${height - m.b}"/><text class="tick" x="${n(X(t))}" y="${height - m.b + 16}" text-anchor="middle">${t}</text>`);
  for (const t of ticks(y0, y1)) parts.push(`<line class="grid" x1="${m.l}" x2="${width - m.r}" y1="${n(Y(t))}" y2="${n(Y(t))}"/><text class="tick" x="${m.l - 6}" y="${n(Y(t)) + 4}" text-anchor="end">${t}</text>`);
  parts.push(`<text class="axis" x="${(m.l + width - m.r) / 2}" y="${height - 8}" text-anchor="middle">latency, ms (lower is better)</text>`);
  parts.push(`<text class="axis" transform="translate(14 ${(m.t + height - m.b) / 2}) rotate(-90)" text-anchor="middle">accuracy, % (higher is better)</text>`);
  if (front.length > 1) {
    let d = `M${n(X(points[front[0]].latencyMs))} ${n(Y(points[front[0]].accuracy))}`;
    for (const i of front.slice(1)) d += ` H${n(X(points[i].latencyMs))} V${n(Y(points[i].accuracy))}`;
    parts.push(`<path class="pareto-line" d="${d}"/>`);
  }
  points.forEach((p, i) => {
    const onFront = front.includes(i);
    const cls = `point${onFront ? ' pareto' : ''}${p.chosen ? ' chosen' : ''}`;
    parts.push(
      `<g class="${cls}"><circle cx="${n(X(p.latencyMs))}" cy="${n(Y(p.accuracy))}" r="${p.chosen ? 7 : 5}"><title>${escapeXml(p.name)}: ${p.accuracy.toFixed(2)}%, ${p.latencyMs.toFixed(3)} ms${onFront ? ' (Pareto front)' : ''}</title></circle>` +
        `<text class="label" x="${n(X(p.latencyMs)) + 8}" y="${n(Y(p.accuracy)) - 8}">${escapeXml(p.name)}</text></g>`,
    );
  });
  return `<svg class="chart scatter" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="accuracy against latency">${parts.join('')}</svg>`;
}

/** Horizontal bars, longest first (at most `limit`, the rest summed into one bar). */
export function barChart(items: readonly { label: string; value: number; detail?: string }[], unit: string, limit = 30, width = 640): string {
  const sorted = [...items].sort((a, b) => b.value - a.value);
  const shown = sorted.slice(0, limit);
  if (sorted.length > limit) shown.push({ label: `${sorted.length - limit} more`, value: sorted.slice(limit).reduce((a, b) => a + b.value, 0) });
  const row = 18;
  const labelW = 230;
  const height = shown.length * row + 24;
  const max = Math.max(...shown.map((s) => s.value), 1e-12);
  const total = items.reduce((a, b) => a + b.value, 0) || 1;
  const barW = width - labelW - 130;
  const parts = shown.map((s, i) => {
    const y = 8 + i * row;
    const w = Math.max(1, (s.value / max) * barW);
    const label = s.label.length > 34 ? `…${s.label.slice(-33)}` : s.label;
    return (
      `<text class="label" x="${labelW - 6}" y="${y + 12}" text-anchor="end">${escapeXml(label)}</text>` +
      `<rect class="bar" x="${labelW}" y="${y + 2}" width="${n(w)}" height="${row - 5}"><title>${escapeXml(s.label)}${s.detail ? ` (${escapeXml(s.detail)})` : ''}: ${s.value.toFixed(4)} ${unit}</title></rect>` +
      `<text class="value" x="${n(labelW + w + 4)}" y="${y + 12}">${s.value.toFixed(3)} ${unit} (${((100 * s.value) / total).toFixed(1)}%)</text>`
    );
  });
  return `<svg class="chart bars" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="time per layer">${parts.join('')}</svg>`;
}

/** Overlaid histograms of several samples (latency distributions), shared bins. */
export function histogramChart(series: readonly { label: string; values: readonly number[] }[], unit: string, width = 640, height = 240): string {
  // The range ends at the 99th percentile so one slow outlier does not squash the rest; slower runs go in the last bin.
  const all = series.flatMap((s) => s.values).sort((a, b) => a - b);
  const [lo, hi] = extent([all[0], all[Math.min(all.length - 1, Math.floor(all.length * 0.99))]], 0.02);
  const bins = 30;
  const m = { l: 44, r: 12, t: 12, b: 40 };
  const counts = series.map((s) => {
    const c = new Array(bins).fill(0);
    for (const v of s.values) c[Math.min(bins - 1, Math.floor(((v - lo) / (hi - lo)) * bins))]++;
    return c.map((k) => k / s.values.length);
  });
  const top = Math.max(...counts.flat(), 1e-9);
  const bw = (width - m.l - m.r) / bins;
  const parts: string[] = [];
  counts.forEach((c, k) => {
    c.forEach((f, b) => {
      if (!f) return;
      const h = (f / top) * (height - m.t - m.b);
      parts.push(`<rect class="hist s${k}" x="${n(m.l + b * bw)}" y="${n(height - m.b - h)}" width="${n(bw - 1)}" height="${n(h)}"><title>${escapeXml(series[k].label)}: ${(100 * f).toFixed(1)}% of runs</title></rect>`);
    });
  });
  for (const t of ticks(lo, hi)) parts.push(`<text class="tick" x="${n(m.l + ((t - lo) / (hi - lo)) * (width - m.l - m.r))}" y="${height - m.b + 16}" text-anchor="middle">${t}</text>`);
  parts.push(`<text class="axis" x="${width / 2}" y="${height - 6}" text-anchor="middle">${escapeXml(unit)} — ${series.map((s, k) => `<tspan class="key s${k}">■</tspan> ${escapeXml(s.label)}`).join('  ')}</text>`);
  return `<svg class="chart histogram" xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" role="img" aria-label="latency distribution">${parts.join('')}</svg>`;
}
