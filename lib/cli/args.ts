/** A small command-line parser: positionals plus --long / -s options (string, number, boolean, repeatable), with help text. */

/** Bad command-line usage: main prints the message and the command's usage and exits with 2. */
export class UsageError extends Error {
  constructor(message: string, readonly command?: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export interface OptionSpec {
  type: 'string' | 'number' | 'boolean';
  describe: string;
  short?: string;
  /** Shown in help: --threads N */
  placeholder?: string;
  /** Integer >= this (numbers only). */
  min?: number;
  integer?: boolean;
  /** Allowed values (strings only). */
  choices?: string[];
}

export interface CommandSpec {
  name: string;
  summary: string;
  /** Positional arguments in order; `optional` ones may be left out. */
  positionals: { name: string; describe: string; optional?: boolean }[];
  options: Record<string, OptionSpec>;
  /** Options that must be given. */
  required?: string[];
  examples?: string[];
  /** Extra help paragraphs. */
  notes?: string[];
}

export type OptionValues = Record<string, string | number | boolean | undefined>;

export interface ParsedArgs {
  positionals: string[];
  options: OptionValues;
}

/** Options every command has. */
export const COMMON_OPTIONS: Record<string, OptionSpec> = {
  json: { type: 'boolean', describe: 'print the result as JSON on stdout (progress still goes to stderr)' },
  help: { type: 'boolean', short: 'h', describe: 'show this help' },
};

function convert(spec: CommandSpec, name: string, o: OptionSpec, raw: string): string | number {
  if (o.type === 'string') {
    if (o.choices && !o.choices.includes(raw)) throw new UsageError(`Expected one of ${o.choices.join(', ')} for --${name} but received "${raw}"`, spec.name);
    return raw;
  }
  const n = Number(raw);
  if (raw.trim() === '' || !Number.isFinite(n) || (o.integer && !Number.isInteger(n)) || (o.min !== undefined && n < o.min)) {
    const what = `${o.integer ? 'an integer' : 'a number'}${o.min !== undefined ? ` >= ${o.min}` : ''}`;
    throw new UsageError(`Expected ${what} for --${name} but received "${raw}"`, spec.name);
  }
  return n;
}

export function parseArgs(spec: CommandSpec, argv: readonly string[]): ParsedArgs {
  const all = { ...spec.options, ...COMMON_OPTIONS };
  const byShort = new Map(Object.entries(all).filter(([, o]) => o.short).map(([k, o]) => [o.short as string, k]));
  const positionals: string[] = [];
  const options: OptionValues = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') {
      positionals.push(...argv.slice(i + 1));
      break;
    }
    if (!arg.startsWith('-') || arg === '-') {
      positionals.push(arg);
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith('--')) {
      const eq = arg.indexOf('=');
      name = eq >= 0 ? arg.slice(2, eq) : arg.slice(2);
      inline = eq >= 0 ? arg.slice(eq + 1) : undefined;
    } else {
      const long = byShort.get(arg.slice(1, 2));
      if (!long) throw new UsageError(`Unknown option ${arg}`, spec.name);
      name = long;
      inline = arg.length > 2 ? arg.slice(2) : undefined;
    }
    const o = all[name];
    if (!o) throw new UsageError(`Unknown option --${name}`, spec.name);
    if (o.type === 'boolean') {
      if (inline !== undefined) throw new UsageError(`Expected no value for --${name} but received "${inline}"`, spec.name);
      options[name] = true;
      continue;
    }
    const raw = inline ?? argv[++i];
    if (raw === undefined) throw new UsageError(`Expected a value after --${name}`, spec.name);
    options[name] = convert(spec, name, o, raw);
  }
  if (options.help) return { positionals, options };
  const needed = spec.positionals.filter((p) => !p.optional).length;
  if (positionals.length < needed) throw new UsageError(`Expected ${spec.positionals.filter((p) => !p.optional).map((p) => p.name).join(' ')} but received ${positionals.length ? positionals.join(' ') : 'nothing'}`, spec.name);
  if (positionals.length > spec.positionals.length) throw new UsageError(`Unexpected argument ${positionals[spec.positionals.length]}`, spec.name);
  for (const r of spec.required ?? []) if (options[r] === undefined) throw new UsageError(`Expected --${r}`, spec.name);
  return { positionals, options };
}

function optionLine(name: string, o: OptionSpec): [string, string] {
  const flag = `${o.short ? `-${o.short}, ` : '    '}--${name}${o.type === 'boolean' ? '' : ` ${o.placeholder ?? (o.type === 'number' ? 'N' : 'VALUE')}`}`;
  return [flag, o.describe + (o.choices ? ` (${o.choices.join(' | ')})` : '')];
}

export function usageLine(spec: CommandSpec): string {
  const pos = spec.positionals.map((p) => (p.optional ? `[${p.name}]` : p.name)).join(' ');
  const req = (spec.required ?? []).map((r) => `--${r} ${spec.options[r].placeholder ?? 'VALUE'}`).join(' ');
  return `sparq ${spec.name} ${[pos, req].filter(Boolean).join(' ')} [options]`;
}

export function formatHelp(spec: CommandSpec): string {
  const lines = [`Usage: ${usageLine(spec)}`, '', spec.summary, ''];
  if (spec.positionals.length) {
    lines.push('Arguments:');
    const w = Math.max(...spec.positionals.map((p) => p.name.length));
    for (const p of spec.positionals) lines.push(`  ${p.name.padEnd(w)}  ${p.describe}`);
    lines.push('');
  }
  lines.push('Options:');
  const rows = Object.entries({ ...spec.options, ...COMMON_OPTIONS }).map(([k, o]) => optionLine(k, o));
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [flag, text] of rows) lines.push(`  ${flag.padEnd(w)}  ${text}`);
  for (const n of spec.notes ?? []) lines.push('', n);
  if (spec.examples?.length) lines.push('', 'Examples:', ...spec.examples.map((e) => `  ${e}`));
  lines.push('', 'Exit codes: 0 success, 1 failure while running, 2 bad command line.');
  return lines.join('\n');
}
