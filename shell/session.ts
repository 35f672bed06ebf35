/**
 * A shell session: runs parsed statements against a lazily opened Connection and prints their
 * output, `Took …` and `=> value` lines, or one `ERROR: CODE: message` line — never a stack trace.
 * The same session serves the interactive prompt and scripts, so both print the same text.
 */
import type { Admin, Connection, Table } from '../client/api.js';
import { BasaltError, ErrorCodes, invalidArgument } from '../common/errors.js';
import { Args } from './args.js';
import type { CommandContext, CommandSpec, Progress } from './command.js';
import { allCommands } from './commands/index.js';
import { Formatter, inspect, tookLine, type Output, type TimestampFormat } from './format.js';
import { parseSource } from './parser.js';
import { RubyObject, ShellInterrupted } from './command.js';
import { nearest } from './suggest.js';

export interface SessionOptions {
  /** Opens the connection on first use (so help and version need no cluster). */
  connect: () => Promise<Connection>;
  out: Output;
  err: Output;
  /** Terminal width for HBase's column layout (a function: read at each use); 0 off a terminal. */
  width?: number | (() => number);
  json?: boolean;
  timestampFormat?: TimestampFormat;
  /** Monotonic milliseconds for `Took`. */
  monotonic?: () => number;
  confirm?: (question: string) => Promise<boolean>;
  progress?: () => Progress | undefined;
  coordinationDump?: () => Promise<string[]>;
  version?: string;
  /** Keep running the remaining statements of a source after one fails. */
  continueOnError?: boolean;
}

export interface ExecuteResult {
  /** False when a statement failed (parse or run). */
  ok: boolean;
  /** An `exit`/`quit` statement ran. */
  exit: boolean;
}

const EXIT_COMMANDS = new Set(['exit', 'quit']);

/** HBase shell commands Basalt does not have (yet): named as such rather than as typos. */
const HBASE_ONLY = new Set([
  'snapshot', 'clone_snapshot', 'restore_snapshot', 'delete_snapshot', 'delete_all_snapshot', 'delete_table_snapshots', 'list_snapshots',
  'list_table_snapshots', 'grant', 'revoke', 'user_permission', 'list_security_capabilities', 'add_peer', 'remove_peer', 'list_peers',
  'enable_peer', 'disable_peer', 'set_quota', 'list_quotas', 'processlist', 'get_table', 'table_help', 'alter_async', 'alter_status',
  'normalize', 'normalizer_switch', 'normalizer_enabled', 'catalogjanitor_run', 'catalogjanitor_switch',
  'catalogjanitor_enabled', 'cleaner_chore_run', 'close_region', 'wal_roll', 'hlog_roll', 'compact_rs', 'compaction_state', 'trace',
  'splitormerge_switch', 'splitormerge_enabled', 'abort_procedure', 'update_config', 'update_all_config', 'add_labels', 'set_auths',
  'get_auths', 'list_labels', 'set_visibility', 'list_rsgroups', 'list_deadservers', 'clear_deadservers',
]);

export class Session {
  readonly commands: ReadonlyMap<string, CommandSpec> = commandMap(allCommands);
  private connecting: Promise<Connection> | undefined;
  private readonly formatter: Formatter;
  private readonly monotonic: () => number;
  private startedMs = 0;
  private interrupted = false;
  private interruptCurrent: (() => void) | undefined;

  constructor(private readonly options: SessionOptions) {
    this.formatter = new Formatter(options.out, options.width ?? 0);
    this.monotonic = options.monotonic ?? (() => performance.now());
  }

  /** The connection, opened on first use; a failed attempt is retried by the next command. */
  connection(): Promise<Connection> {
    this.connecting ??= this.options.connect().catch((err: unknown) => {
      this.connecting = undefined;
      throw err;
    });
    return this.connecting;
  }

  /** True once a connection was opened (tab completion asks only then). */
  get connected(): boolean {
    return this.connecting !== undefined;
  }

  async close(): Promise<void> {
    const pending = this.connecting;
    this.connecting = undefined;
    if (pending) await (await pending.catch(() => undefined))?.close();
  }

  /** Runs every statement of `source` in order. */
  async execute(source: string): Promise<ExecuteResult> {
    let ok = true;
    for (const item of parseSource(source)) {
      if ('error' in item) {
        this.printError(item.error);
        ok = false;
        if (!this.options.continueOnError) return { ok, exit: false };
        continue;
      }
      const { statement } = item;
      if (EXIT_COMMANDS.has(statement.command)) return { ok, exit: true };
      const succeeded = await this.run(statement.command, new Args(statement.command, statement.args, statement.pos));
      if (!succeeded) {
        ok = false;
        if (!this.options.continueOnError) return { ok, exit: false };
      }
    }
    return { ok, exit: false };
  }

  private async run(name: string, args: Args): Promise<boolean> {
    const spec = this.commands.get(name);
    if (!spec && HBASE_ONLY.has(name)) {
      this.printError(invalidArgument('command', `'${name}' is an HBase shell command Basalt does not have (type 'help' for the list)`));
      return false;
    }
    if (!spec) {
      const near = nearest(name, [...this.commands.keys(), ...EXIT_COMMANDS]);
      this.printError(invalidArgument('command', `unknown command '${name}'${near ? `; did you mean '${near}'?` : ''} (type 'help' for the list)`));
      return false;
    }
    this.startedMs = this.monotonic();
    const interruption = new Promise<never>((_, reject) => {
      this.interruptCurrent = () => reject(new ShellInterrupted());
    });
    interruption.catch(() => undefined);
    this.interrupted = false;
    try {
      // Ctrl-C stops the wait at once, also for a single call that never returns.
      const running = spec.run(this.context(), args);
      running.catch(() => undefined); // an abandoned (interrupted) command must not fail unobserved
      const value = await Promise.race([running, interruption]);
      const json = this.options.json === true;
      if (!spec.untimed && !json) this.options.out.write(`${tookLine((this.monotonic() - this.startedMs) / 1000)}\n`);
      if (value !== undefined && !json) this.options.out.write(`=> ${value instanceof RubyObject ? value.text : inspect(value)}\n`);
      return true;
    } catch (err) {
      this.printError(err);
      return false;
    } finally {
      this.interruptCurrent = undefined;
    }
  }

  /** Ctrl-C while a command runs: it stops (loops check per row; a pending call is abandoned). True if one was running. */
  interrupt(): boolean {
    if (!this.interruptCurrent) return false;
    this.interrupted = true;
    this.interruptCurrent();
    return true;
  }

  printError(err: unknown): void {
    this.options.err.write(`${errorLine(err)}\n`);
  }

  private context(): CommandContext {
    const options = this.options;
    return {
      connection: () => this.connection(),
      admin: async (): Promise<Admin> => (await this.connection()).admin(),
      table: async (name: string): Promise<Table> => (await this.connection()).table(name),
      out: options.out,
      err: options.err,
      formatter: this.formatter,
      json: options.json === true,
      timestampFormat: options.timestampFormat ?? 'iso',
      confirm: options.confirm ?? (async () => false),
      progress: options.progress ?? (() => undefined),
      coordinationDump:
        options.coordinationDump ?? (async () => Promise.reject(new BasaltError(ErrorCodes.UNAVAILABLE, 'no coordination client in this shell'))),
      restartTimer: () => {
        this.startedMs = this.monotonic();
      },
      checkInterrupted: () => {
        if (this.interrupted) throw new ShellInterrupted();
      },
      commands: this.commands,
      version: options.version ?? 'unknown',
    };
  }
}

/** `ERROR: CODE: message` for a typed error; anything else is INTERNAL with its message only. */
export function errorLine(err: unknown): string {
  const code = (err as { code?: unknown })?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && /^[A-Z_]+$/.test(code)) return `ERROR: ${code}: ${message}`;
  return `ERROR: INTERNAL: ${message}`;
}

function commandMap(specs: CommandSpec[]): Map<string, CommandSpec> {
  const map = new Map<string, CommandSpec>();
  for (const spec of specs) {
    map.set(spec.name, spec);
    for (const alias of spec.aliases ?? []) map.set(alias, spec);
  }
  return map;
}
