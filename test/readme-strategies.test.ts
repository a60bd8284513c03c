/** The README names compress strategies by id in two places; both must be exactly the ids lib/compress/compress-strategies.ts defines. */
import { readFileSync } from 'fs';
import { join } from 'path';
import { EXTRA_STRATEGY_IDS, STRATEGY_IDS } from '../lib/compress/compress-strategies';

const readme = readFileSync(join(__dirname, '..', 'README.md'), 'utf8');

/** Backticked words of `text` that look like strategy ids. */
function ids(text: string): string[] {
  return [...text.matchAll(/`([^`]+)`/g)].map((m) => m[1]).filter((w) => /^(int8|fp32|2:4|channels-|blocks-)[a-z0-9.:-]*$/.test(w));
}

function between(from: string, to: string): string {
  const start = readme.indexOf(from);
  const end = readme.indexOf(to, start);
  expect(start).toBeGreaterThanOrEqual(0);
  expect(end).toBeGreaterThan(start);
  return readme.slice(start, end);
}

test('"Automated compression" lists every default strategy id once, and the distilled ones of EXTRA_STRATEGY_IDS', () => {
  const defaults = ids(between('The default list (ids as in', 'A pruning (and a distillation)'));
  expect([...defaults].sort()).toEqual(Object.keys(STRATEGY_IDS).sort());
  expect(ids(between('They are in the CLI catalogue:', '**Timing.**')).sort()).toEqual(Object.keys(EXTRA_STRATEGY_IDS).sort());
});

test('"Command line" lists no ids by hand: it points to compress-strategies.ts and sparq compress --help', () => {
  const paragraph = between('- `compress`: `--prune`', 'DATA is a `.npy` file');
  expect(paragraph).toContain('lib/compress/compress-strategies.ts');
  expect(paragraph).toContain('sparq compress --help');
  expect(ids(paragraph).filter((id) => id !== 'int8' && id !== 'fp32')).toEqual([]);
});
