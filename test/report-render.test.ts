/**
 * The HTML report is one self-contained page whose charts Chromium really draws: rendered in headless Chromium
 * (Debian's chromium, installed by .ci/run), the scatter points, Pareto line, per-layer bars and histogram bars have
 * non-zero geometry. A copy of the page gets a probe script that writes every chart element's bounding box into
 * the DOM, which --dump-dom returns.
 */
import { execFileSync } from 'child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'fs';
import { tmpdir } from 'os';
import { join } from 'path';
import { renderReport, ReportData } from '../lib/report/html-report';
import { paretoFront } from '../lib/report/pareto';

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));
const dir = mkdtempSync(join(tmpdir(), 'sparq-report-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const data: ReportData = {
  title: 'sparq compress: resnet-fmnist.onnx <test>',
  subtitle: 'int8 entropy per-channel',
  verdicts: ['int8: written to out.sparq (held-out drop 0.30 points, budget 1)'],
  strategies: [
    { name: 'fp32', accuracy: 91.3, latencyMs: 0.21 },
    { name: 'int8', accuracy: 91.0, latencyMs: 0.12, chosen: true },
    { name: 'int8 per-tensor', accuracy: 90.1, latencyMs: 0.125 },
    { name: '2:4 + int8', accuracy: 89.2, latencyMs: 0.1 },
  ],
  tables: [{ title: 'Steps', header: ['model', 'top-1 %', 'p50 ms'], rows: [['fp32', '91.30', '0.210'], ['int8', '91.00', '0.120']] }],
  latencies: [
    { label: 'A', values: Array.from({ length: 200 }, (_, i) => 0.2 + 0.01 * Math.sin(i)) },
    { label: 'B', values: Array.from({ length: 200 }, (_, i) => 0.12 + 0.01 * Math.cos(i)) },
  ],
  layers: Array.from({ length: 12 }, (_, i) => ({ name: `/blocks/${i}/conv/Conv`, type: 'Conv', kernel: 'f32-igemm', ms: 0.001 * (i + 1) })),
};

const PROBE = `<pre id="geometry"></pre><script>
const boxes = (sel) => Array.from(document.querySelectorAll(sel)).map((e) => { const b = e.getBBox(); return [b.width, b.height]; });
const svg = Array.from(document.querySelectorAll('svg.chart')).map((s) => { const r = s.getBoundingClientRect(); return [s.getAttribute('class'), r.width, r.height]; });
document.getElementById('geometry').textContent = JSON.stringify({
  svg, points: boxes('svg.scatter circle'), front: boxes('svg.scatter .pareto circle'), line: boxes('svg.scatter path.pareto-line'),
  bars: boxes('svg.bars rect.bar'), hist: boxes('svg.histogram rect'), text: boxes('svg text'),
});
</script>`;

test('Pareto front: points no other point beats on both accuracy and latency', () => {
  expect(paretoFront(data.strategies!).map((i) => data.strategies![i].name)).toEqual(['2:4 + int8', 'int8', 'fp32']);
});

test('the page is self-contained: no scripts, no external assets, text escaped', () => {
  const html = renderReport(data);
  expect(html).not.toMatch(/<script|<link|<img|src=|url\(|@import/i);
  expect(html).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
  expect(html).toContain('resnet-fmnist.onnx &lt;test&gt;');
});

test('headless Chromium draws every chart with non-zero geometry', () => {
  if (!CHROMIUM) throw new Error('Chromium is needed for the report test but none of /usr/bin/chromium, chromium-browser, google-chrome exists: apt-get install chromium (.ci/run installs it)');
  const page = join(dir, 'report.html');
  const html = renderReport(data);
  writeFileSync(page, html.replace('</body>', `${PROBE}</body>`));
  const dom = execFileSync(CHROMIUM, ['--headless', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--run-all-compositor-stages-before-draw', '--virtual-time-budget=5000', '--dump-dom', `file://${page}`], {
    encoding: 'utf8',
    timeout: 90000,
    stdio: ['ignore', 'pipe', 'ignore'],
  });
  const match = /<pre id="geometry">([^<]*)<\/pre>/.exec(dom);
  expect(match).not.toBeNull();
  const g = JSON.parse(match![1].replace(/&quot;/g, '"').replace(/&amp;/g, '&'));
  expect(g.svg.map((s: [string]) => s[0])).toEqual(['chart scatter', 'chart histogram', 'chart bars']);
  for (const [, w, h] of g.svg) {
    expect(w).toBeGreaterThan(100);
    expect(h).toBeGreaterThan(100);
  }
  const nonZero = (list: [number, number][]) => list.every(([w, h]) => w > 0 && h > 0);
  expect(g.points).toHaveLength(4);
  expect(nonZero(g.points)).toBe(true);
  expect(g.front).toHaveLength(3);
  expect(g.line).toHaveLength(1);
  expect(g.line[0][0]).toBeGreaterThan(50); // the step line spans the front's latencies
  expect(g.bars).toHaveLength(12);
  expect(nonZero(g.bars)).toBe(true);
  expect(g.hist.length).toBeGreaterThan(2);
  expect(nonZero(g.hist)).toBe(true);
  expect(g.text.length).toBeGreaterThan(20);
  expect(readFileSync(page, 'utf8')).toContain('<script>'); // the probe copy; the report itself has none (test above)
});
