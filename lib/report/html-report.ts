/** One self-contained HTML page (inline CSS and SVG, no scripts or external assets) for bench, ab and compress results. */
import type { LayerTime } from '../cli/layer-times';
import { barChart, escapeXml, histogramChart, scatterChart } from './svg-charts';
import type { TradeoffPoint } from './pareto';

export interface ReportData {
  title: string;
  subtitle?: string;
  /** Plain paragraphs under the title. */
  summary?: string[];
  /** Conclusions, shown highlighted. */
  verdicts?: string[];
  tables?: { title: string; header: string[]; rows: (string | number)[][] }[];
  /** Strategies tried: drawn as accuracy against latency with the Pareto front marked. */
  strategies?: (TradeoffPoint & { chosen?: boolean })[];
  /** Per-layer times of the (chosen) model, from engine.profile(). */
  layers?: LayerTime[];
  latencies?: { label: string; values: number[] }[];
}

const STYLE = `
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",sans-serif;margin:24px auto;max-width:900px;color:#1d232a;padding:0 16px}
h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin:28px 0 8px}.sub{color:#5b6570;margin:0 0 12px}
.verdict{background:#eef6ee;border-left:4px solid #3a7d44;padding:8px 12px;margin:6px 0}
table{border-collapse:collapse;margin:8px 0}td,th{padding:3px 10px;border-bottom:1px solid #e3e6ea;text-align:right}td:first-child,th:first-child{text-align:left}
.chart{display:block;max-width:100%;height:auto;background:#fafbfc;border:1px solid #e3e6ea}
.grid{stroke:#e3e6ea}.tick,.axis,.label,.value{font-size:11px;fill:#3c4650}.axis{font-size:12px}
.point circle{fill:#9aa5b1;stroke:#fff}.point.pareto circle{fill:#d9480f}.point.chosen circle{stroke:#1d232a;stroke-width:2}
.pareto-line{fill:none;stroke:#d9480f;stroke-width:1.5;stroke-dasharray:4 3}
.bar{fill:#4263eb}.hist.s0,.key.s0{fill:#4263eb;fill-opacity:.7}.hist.s1,.key.s1{fill:#d9480f;fill-opacity:.6}.hist.s2,.key.s2{fill:#2b8a3e;fill-opacity:.6}
.note{color:#5b6570;font-size:12px}`;

function table(t: NonNullable<ReportData['tables']>[number]): string {
  const head = t.header.map((h) => `<th>${escapeXml(h)}</th>`).join('');
  const rows = t.rows.map((r) => `<tr>${r.map((c) => `<td>${escapeXml(String(c))}</td>`).join('')}</tr>`).join('');
  return `<h2>${escapeXml(t.title)}</h2><table><thead><tr>${head}</tr></thead><tbody>${rows}</tbody></table>`;
}

export function renderReport(d: ReportData): string {
  const body: string[] = [`<h1>${escapeXml(d.title)}</h1>`];
  if (d.subtitle) body.push(`<p class="sub">${escapeXml(d.subtitle)}</p>`);
  for (const p of d.summary ?? []) body.push(`<p>${escapeXml(p)}</p>`);
  for (const v of d.verdicts ?? []) body.push(`<p class="verdict">${escapeXml(v)}</p>`);
  if (d.strategies?.length) {
    body.push('<h2>Accuracy against latency</h2>', scatterChart(d.strategies));
    body.push('<p class="note">Each point is one model; orange points form the Pareto front (no other model is both faster and more accurate), joined by the dashed line; the outlined point is the one chosen.</p>');
  }
  for (const t of d.tables ?? []) body.push(table(t));
  if (d.latencies?.length) body.push('<h2>Latency distribution</h2>', histogramChart(d.latencies, 'ms per run'));
  if (d.layers?.length) {
    const total = d.layers.reduce((a, l) => a + l.ms, 0);
    body.push(`<h2>Time per layer</h2><p class="note">${d.layers.length} native ops, ${total.toFixed(3)} ms in total (engine.profile(), median of several runs).</p>`);
    body.push(barChart(d.layers.map((l) => ({ label: l.name, value: l.ms, detail: `${l.type}, ${l.kernel}` })), 'ms'));
  }
  body.push(`<p class="note">Written by sparq on ${escapeXml(new Date().toISOString())}.</p>`);
  return `<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${escapeXml(d.title)}</title><style>${STYLE}</style></head><body>${body.join('\n')}</body></html>\n`;
}
