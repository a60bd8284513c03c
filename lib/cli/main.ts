#!/usr/bin/env node
/** The `sparq` command line: dispatches to info, bench, eval, ab, compress, resolutions and exits; exit codes 0 ok, 1 failure, 2 usage. */
import { formatHelp, parseArgs, UsageError, usageLine } from './args';
import type { Command } from './command';
import { ab } from './commands/ab';
import { bench } from './commands/bench';
import { compress } from './commands/compress';
import { evaluate } from './commands/eval';
import { exits } from './commands/exits';
import { info } from './commands/info';
import { resolutions } from './commands/resolutions';

const COMMANDS: Command[] = [info, bench, evaluate, ab, compress, resolutions, exits];

export const EXIT = { ok: 0, failure: 1, usage: 2 } as const;

function globalHelp(): string {
  const w = Math.max(...COMMANDS.map((c) => c.spec.name.length));
  return [
    'Usage: sparq <command> [arguments] [options]',
    '',
    'Compress, measure and compare ONNX models on this CPU.',
    '',
    'Commands:',
    ...COMMANDS.map((c) => `  ${c.spec.name.padEnd(w)}  ${c.spec.summary}`),
    '',
    'Every command takes --help and --json (the result as JSON on stdout; progress goes to stderr).',
    'MODEL is an .onnx or .sparq file. DATA is a .npy file (samples along the first dim), a folder of .npy files',
    '(a labels.npy among them gives labels), a folder of PNG images or of class sub-folders of images, or a JSON',
    'manifest {"samples": [{"file": "a.png", "label": 3}, ...]}.',
    '',
    'Exit codes:',
    '  0  success',
    '  1  failure while running (unreadable model, unsupported op, data that does not fit, compress over budget)',
    '  2  bad command line (unknown command or option, missing argument, bad value); usage goes to stderr',
    '',
    'Run `sparq <command> --help` for a command\'s options.',
  ].join('\n');
}

/** Runs the CLI on `argv` (without node and script); returns the exit code. Output goes to the given streams. */
export async function runCli(argv: string[], out: NodeJS.WritableStream = process.stdout, err: NodeJS.WritableStream = process.stderr): Promise<number> {
  const [name, ...rest] = argv;
  if (name === undefined || name === '--help' || name === '-h' || name === 'help') {
    (name === undefined ? err : out).write(globalHelp() + '\n');
    return name === undefined ? EXIT.usage : EXIT.ok;
  }
  if (name === '--version' || name === '-v') {
    out.write(`${require('../format/sparq-writer').sparqVersion()}\n`);
    return EXIT.ok;
  }
  const command = COMMANDS.find((c) => c.spec.name === name);
  if (!command) {
    err.write(`sparq: unknown command "${name}"\n\n${globalHelp()}\n`);
    return EXIT.usage;
  }
  const json = rest.includes('--json');
  try {
    const args = parseArgs(command.spec, rest);
    if (args.options.help) {
      out.write(formatHelp(command.spec) + '\n');
      return EXIT.ok;
    }
    const result = await command.run(args);
    out.write(json ? JSON.stringify(result.json, null, 2) + '\n' : result.text + '\n');
    return result.exitCode ?? EXIT.ok;
  } catch (e) {
    if (e instanceof UsageError) {
      err.write(`sparq ${command.spec.name}: ${e.message}\nUsage: ${usageLine(command.spec)}\nRun \`sparq ${command.spec.name} --help\` for the options.\n`);
      return EXIT.usage;
    }
    const error = e as Error;
    if (json) out.write(JSON.stringify({ error: { name: error.name, message: error.message } }, null, 2) + '\n');
    err.write(`sparq ${command.spec.name}: ${error.name && error.name !== 'Error' ? `${error.name}: ` : ''}${error.message}\n`);
    if (process.env.SPARQ_DEBUG) err.write(`${error.stack}\n`);
    return EXIT.failure;
  }
}

if (require.main === module) {
  runCli(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      process.stderr.write(`sparq: ${e instanceof Error ? e.stack : e}\n`);
      process.exitCode = EXIT.failure;
    },
  );
}
