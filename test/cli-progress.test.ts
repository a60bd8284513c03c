/** Progress output of the CLI: a redrawn bar on a terminal, a few plain lines otherwise; and the argument parser's forms. */
import { createProgress } from '../lib/cli/progress';
import { parseArgs, formatHelp, CommandSpec } from '../lib/cli/args';

function fakeStream(isTTY: boolean): NodeJS.WriteStream & { text: string } {
  const s = { isTTY, text: '', write(chunk: string) { s.text += chunk; return true; } };
  return s as unknown as NodeJS.WriteStream & { text: string };
}

test('on a terminal: one line redrawn with \\r, a bar and the count, a newline at the end', () => {
  const s = fakeStream(true);
  const p = createProgress('eval', 10, s);
  p.update(5);
  p.finish();
  expect(s.text.startsWith('\reval [###############---------------] 5/10')).toBe(true);
  expect(s.text).toContain('\reval [##############################] 10/10');
  expect(s.text.endsWith('\n')).toBe(true);
  expect(s.text.split('\n')).toHaveLength(2);
});

test('not a terminal: plain lines at each quarter, no control characters', () => {
  const s = fakeStream(false);
  const p = createProgress('bench', 100, s);
  for (let i = 1; i <= 100; i++) p.update(i);
  p.finish();
  expect(s.text).toBe('bench: 1/100\nbench: 25/100\nbench: 50/100\nbench: 75/100\nbench: 100/100\n');
});

const spec: CommandSpec = {
  name: 'demo',
  summary: 'A test command.',
  positionals: [{ name: 'MODEL', describe: 'a model' }, { name: 'OTHER', describe: 'optional', optional: true }],
  options: {
    runs: { type: 'number', integer: true, min: 1, describe: 'runs' },
    output: { type: 'string', short: 'o', describe: 'out' },
    fast: { type: 'boolean', describe: 'fast' },
  },
};

test('long, short, inline and -- forms', () => {
  expect(parseArgs(spec, ['m.onnx', '--runs', '5', '-o', 'x', '--fast'])).toEqual({ positionals: ['m.onnx'], options: { runs: 5, output: 'x', fast: true } });
  expect(parseArgs(spec, ['--runs=7', '-ox', 'm', '--', '--odd'])).toEqual({ positionals: ['m', '--odd'], options: { runs: 7, output: 'x' } });
  expect(() => parseArgs(spec, ['m', '--fast=yes'])).toThrow('Expected no value for --fast but received "yes"');
  expect(() => parseArgs(spec, ['m', '--runs'])).toThrow('Expected a value after --runs');
  expect(() => parseArgs(spec, ['m', '--runs', '1.5'])).toThrow('Expected an integer >= 1 for --runs but received "1.5"');
  expect(() => parseArgs(spec, ['m', '-z'])).toThrow('Unknown option -z');
  expect(parseArgs(spec, ['--help']).options.help).toBe(true);
  expect(formatHelp(spec)).toContain('Usage: sparq demo MODEL [OTHER] [options]');
  expect(formatHelp(spec)).toMatch(/-o, --output VALUE\s+out/);
});
