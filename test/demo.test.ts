/**
 * `npm run demo` end to end (dist/cli/demo.js as a child process) against the output the README shows: the same rows
 * in the same order, the same top-1 and file sizes (latencies differ run to run, so only their form is checked).
 */
import { spawnSync } from 'child_process';
import { readFileSync } from 'fs';
import { join } from 'path';
import { ensureDist, ROOT } from './support/cli-run';

jest.setTimeout(300_000);

interface DemoRow {
  label: string;
  top1: number;
  p50: number;
  speedUp: number;
  sizeKiB: number;
}

/** The table rows of a demo output: label, top-1 %, p50 ms, speed-up, size KiB (columns separated by 2+ spaces). */
function rows(text: string): DemoRow[] {
  return text
    .split('\n')
    .filter((l) => /^(sparq|onnxruntime-node) .*%/.test(l))
    .map((l) => {
      const [label, top1, p50, speedUp, size] = l.split(/ {2,}/);
      return { label, top1: parseFloat(top1), p50: parseFloat(p50), speedUp: parseFloat(speedUp), sizeKiB: parseFloat(size) };
    });
}

/** The demo output block of the README ("Examples"). */
function readmeBlock(): string {
  const readme = readFileSync(join(ROOT, 'README.md'), 'utf8');
  const start = readme.indexOf('```\nsparq demo:');
  expect(start).toBeGreaterThan(0);
  expect(readme.indexOf('```\nsparq demo:', start + 1)).toBe(-1);
  return readme.slice(start + 4, readme.indexOf('```', start + 4));
}

test('npm run demo prints the table the README shows: same rows, top-1 and sizes', () => {
  ensureDist();
  const r = spawnSync(process.execPath, [join(ROOT, 'dist', 'cli', 'demo.js')], { cwd: ROOT, encoding: 'utf8', timeout: 280_000 });
  expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: r.status === 0 ? r.stderr : '' });
  const out = r.stdout;
  const readme = readmeBlock();
  const firstLine = (t: string) => t.split('\n')[0];
  expect(firstLine(out)).toBe(firstLine(readme));
  expect(out).toMatch(/^demo took [0-9.]+ s$/m);
  const got = rows(out);
  const shown = rows(readme);
  expect(got.map((x) => x.label)).toEqual(['sparq fp32', 'sparq int8', 'sparq 2:4 + int8', 'sparq channels 30%', 'onnxruntime-node fp32', 'onnxruntime-node int8 (same QDQ model)']);
  expect(shown.map((x) => x.label)).toEqual(got.map((x) => x.label));
  got.forEach((row, i) => {
    // sparq's rows are deterministic on one ISA level; onnxruntime's kernels may round differently on another CPU.
    if (row.label.startsWith('sparq')) expect({ label: row.label, top1: row.top1 }).toEqual({ label: row.label, top1: shown[i].top1 });
    else expect(Math.abs(row.top1 - shown[i].top1)).toBeLessThanOrEqual(0.25);
    expect(Math.abs(row.sizeKiB - shown[i].sizeKiB)).toBeLessThanOrEqual(0.02 * shown[i].sizeKiB);
    expect(row.p50).toBeGreaterThan(0);
    // speed-up = fp32 p50 / this p50, from unrounded times: within the rounding of the printed 4-decimal p50s.
    expect(Math.abs(row.speedUp - got[0].p50 / row.p50)).toBeLessThanOrEqual(0.02 * row.speedUp + 0.01);
  });
  expect(got[0].speedUp).toBe(1);
});
