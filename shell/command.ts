/**
 * What a shell command is and what it runs with. Commands receive the cluster only through the
 * public client API (a `Connection`, created lazily on first use so that `help` and `version` need
 * no cluster and the prompt appears at once), and print only through the context, so that tests
 * can run every command against an in-memory Connection and read its exact output.
 */
import type { Admin, Connection, Table } from '../client/api.js';
import type { Args } from './args.js';
import type { Formatter, Output, TimestampFormat } from './format.js';

export type CommandGroup = 'general' | 'ddl' | 'namespace' | 'dml' | 'tools';

export const GROUP_TITLES: Record<CommandGroup, string> = {
  general: 'GENERAL BASALT SHELL COMMANDS',
  ddl: 'TABLES MANAGEMENT COMMANDS',
  namespace: 'NAMESPACE MANAGEMENT COMMANDS',
  dml: 'DATA MANIPULATION COMMANDS',
  tools: 'BASALT SURGERY TOOLS',
};

/** Progress of a long command (count), drawn as a bar on a terminal. */
export interface Progress {
  /** `fraction` in [0, 1] when known. */
  update(done: number, fraction: number | undefined, detail: string): void;
  done(): void;
}

/** Ctrl-C during a command: the shell stops waiting and prints `ERROR: INTERRUPTED: …`. */
export class ShellInterrupted extends Error {
  readonly code = 'INTERRUPTED';
  constructor(message = 'interrupted (Ctrl-C); an operation already sent may still complete') {
    super(message);
    this.name = 'ShellInterrupted';
  }
}

/** A value printed after `=>` exactly as written (HBase's `Hbase::Table - t`). */
export class RubyObject {
  constructor(readonly text: string) {}
}

export interface CommandContext {
  connection(): Promise<Connection>;
  admin(): Promise<Admin>;
  table(name: string): Promise<Table>;
  out: Output;
  /** Warnings and progress: standard error. */
  err: Output;
  formatter: Formatter;
  /** `--format json`: get/scan/list print JSON, and nothing else prints Took or `=>` lines. */
  json: boolean;
  timestampFormat: TimestampFormat;
  /** Asks a yes/no question (disable_all, drop_all); false when nobody can answer. */
  confirm(question: string): Promise<boolean>;
  /** A progress display when standard error is a terminal, else undefined. */
  progress(): Progress | undefined;
  /** Lines describing the coordination tree (zk_dump). */
  coordinationDump(): Promise<string[]>;
  /** Restarts the Took clock (count does, so that its set-up is not timed, as in HBase). */
  restartTimer(): void;
  /** Throws ShellInterrupted once Ctrl-C was pressed during this command (long loops call it per row). */
  checkInterrupted(): void;
  readonly commands: ReadonlyMap<string, CommandSpec>;
  readonly version: string;
}

export interface CommandSpec {
  name: string;
  group: CommandGroup;
  aliases?: string[];
  /** One-paragraph description followed by examples, as `help 'cmd'` prints it. */
  help: string;
  /** Commands that print no `Took` line (help, exit). */
  untimed?: boolean;
  /** Arguments 0.. that name a table (for tab completion). */
  tableArgument?: boolean;
  /** Runs the command; a returned value other than undefined is printed as `=> value`. */
  run(ctx: CommandContext, args: Args): Promise<unknown>;
}

export function defineCommands(specs: CommandSpec[]): CommandSpec[] {
  return specs;
}
