/** What a CLI command is: its spec (for parsing and help) and a run function returning JSON and text forms of its result. */
import type { CommandSpec, ParsedArgs } from './args';

export interface CommandResult {
  /** Printed with --json. */
  json: unknown;
  /** Printed otherwise. */
  text: string;
  /** Exit code when not 0 (e.g. compress missing its accuracy budget). */
  exitCode?: number;
}

export interface Command {
  spec: CommandSpec;
  run(args: ParsedArgs): Promise<CommandResult>;
}
