/** General commands: status, version, whoami, help. */
import { execFileSync } from 'node:child_process';
import { userInfo } from 'node:os';
import { invalidArgument } from '../../common/errors.js';
import type { ClusterStatus, ServerDescription } from '../../client/api.js';
import { defineCommands, GROUP_TITLES, type CommandContext, type CommandGroup, type CommandSpec } from '../command.js';
import { nearest } from '../suggest.js';
import { regionName } from './tools.js';

function serverLine(s: ServerDescription): string {
  const mb = (bytes: number): number => Math.round(bytes / (1024 * 1024));
  return (
    `requestsPerSecond=${s.requestsPerSecond.toFixed(1)}, numberOfOnlineRegions=${s.regionCount}, ` +
    `numberOfStorefiles=${s.storeFileCount}, storefileSizeMB=${mb(s.storeFileSizeBytes)}, memstoreSizeMB=${mb(s.memstoreSizeBytes)}, ` +
    `readRequestsCount=${s.readRequests}, writeRequestsCount=${s.writeRequests}, lastReportAgoMs=${s.lastReportAgoMs}`
  );
}

async function printStatus(ctx: CommandContext, format: string, status: ClusterStatus): Promise<void> {
  const out = (line: string): void => ctx.out.write(`${line}\n`);
  const masters = status.master ? 1 : 0;
  if (format === 'summary') {
    out(`${masters} active master, ${status.backupMasters.length} backup masters, ${status.liveServers.length} servers, ${status.deadServers.length} dead, ${status.averageLoad.toFixed(4)} average load`);
    return;
  }
  if (format === 'detailed') {
    out(`version ${status.version}`);
    out(`cluster id ${status.clusterId}`);
    out(`${status.regionsInTransition.length} regionsInTransition`);
    for (const rit of status.regionsInTransition) out(`    ${regionName(rit.region)} state=${rit.region.state}, ${rit.durationMs} ms`);
  }
  out(`active master:  ${status.master || '(none)'}`);
  out(`${status.backupMasters.length} backup masters`);
  for (const backup of status.backupMasters) out(`    ${backup}`);
  out(`${status.liveServers.length} live servers`);
  const regionsByServer = new Map<string, string[]>();
  if (format === 'detailed') {
    for (const region of await (await ctx.admin()).listRegions()) {
      const list = regionsByServer.get(region.serverName) ?? [];
      list.push(regionName(region));
      regionsByServer.set(region.serverName, list);
    }
  }
  for (const server of status.liveServers) {
    out(`    ${server.serverName}`);
    out(`        ${serverLine(server)}`);
    for (const region of regionsByServer.get(server.serverName) ?? []) out(`        "${region}"`);
  }
  out(`${status.deadServers.length} dead servers`);
  for (const dead of status.deadServers) out(`    ${dead}`);
  out(`Aggregate load: ${status.liveServers.reduce((sum, s) => sum + s.requestsPerSecond, 0).toFixed(0)}, regions: ${status.regionCount}`);
  if (format === 'detailed') {
    out(`${status.procedures.length} procedures`);
    for (const p of status.procedures) out(`    pid=${p.id} ${p.type} ${p.state} step=${p.step} target=${p.target}${p.error ? ` error=${p.error.code}` : ''}`);
    out(`balancer ${status.balancerOn ? 'on' : 'off'}`);
  }
}

function groupsOf(user: string): string {
  try {
    return execFileSync('id', ['-Gn', user], { encoding: 'utf8', timeout: 2_000 }).trim().split(/\s+/).join(', ');
  } catch {
    return user;
  }
}

export function helpText(commands: ReadonlyMap<string, CommandSpec>, version: string): string {
  const groups = new Map<CommandGroup, string[]>();
  for (const [name, spec] of commands) {
    if (name !== spec.name) continue; // aliases are listed with their command
    const list = groups.get(spec.group) ?? [];
    list.push(name);
    groups.set(spec.group, list);
  }
  const lines = [
    `Basalt Shell, version ${version}`,
    `Type 'help "COMMAND"', (e.g. 'help "get"' -- the quotes are necessary) for help on a specific command.`,
    `Commands are grouped. Type 'help "COMMAND_GROUP"', (e.g. 'help "general"') for help on a command group.`,
    '',
    'COMMAND GROUPS:',
  ];
  for (const group of Object.keys(GROUP_TITLES) as CommandGroup[]) {
    lines.push(`  Group name: ${group}`);
    lines.push(`  Commands: ${(groups.get(group) ?? []).sort().join(', ')}`);
    lines.push('');
  }
  lines.push(
    'SHELL USAGE:',
    'Quote all names in the shell such as table and column names.  Commas delimit',
    'command parameters.  Type <RETURN> after entering a command to run it; several',
    'commands on one line are separated by ";".',
    'Dictionaries of configuration used in the creation and alteration of tables are',
    'Ruby Hashes. They look like this:',
    '',
    "  {'key1' => 'value1', 'key2' => 'value2', ...}",
    '',
    "and are opened and closed with curley-braces.  Key/values are delimited by the",
    "'=>' character combination.  Usually keys are predefined constants such as",
    'NAME, VERSIONS, TTL, etc.  Constants do not need to be quoted.',
    '',
    'If you are using binary keys or values and need to enter them in the shell, use',
    'double-quote\'d hexadecimal representation. For example:',
    '',
    '  basalt> get \'t1\', "key\\x03\\x3f\\xcd"',
    '  basalt> get \'t1\', "key\\003\\023\\011"',
    '  basalt> put \'t1\', "test\\xef\\xff", \'f1:\', "\\x01\\x33\\x40"',
    '',
    'Type "exit" (or Ctrl-D) to leave the interactive shell.',
  );
  return lines.join('\n');
}

export const generalCommands = defineCommands([
  {
    name: 'status',
    group: 'general',
    help: `Show cluster status. Can be 'summary', 'simple', or 'detailed'. The
default is 'summary'. Examples:

  basalt> status
  basalt> status 'simple'
  basalt> status 'summary'
  basalt> status 'detailed'`,
    async run(ctx, args) {
      args.count(0, 1, "status 'simple'");
      const format = args.optionalString(0, 'format') ?? 'summary';
      if (!['summary', 'simple', 'detailed'].includes(format)) throw invalidArgument('format', `expected 'summary', 'simple' or 'detailed', got '${format}'`);
      await printStatus(ctx, format, await (await ctx.admin()).clusterStatus());
      return undefined;
    },
  },
  {
    name: 'version',
    group: 'general',
    help: `Output this Basalt version
  basalt> version`,
    async run(ctx, args) {
      args.count(0, 0, 'version');
      ctx.out.write(`${ctx.version}, Node ${process.version}\n`);
      return undefined;
    },
  },
  {
    name: 'whoami',
    group: 'general',
    help: `Show the current user (Basalt has no authentication yet: the local user).
  basalt> whoami`,
    async run(ctx, args) {
      args.count(0, 0, 'whoami');
      const user = userInfo().username;
      ctx.out.write(`${user} (auth:SIMPLE)\n    groups: ${groupsOf(user)}\n`);
      return undefined;
    },
  },
  {
    name: 'help',
    group: 'general',
    untimed: true,
    help: `Show help: on all commands, on one command, or on a group of commands.
  basalt> help
  basalt> help 'get'
  basalt> help 'ddl'`,
    async run(ctx, args) {
      args.count(0, 1, "help 'get'");
      const topic = args.optionalString(0, 'command');
      if (topic === undefined) {
        ctx.out.write(`${helpText(ctx.commands, ctx.version)}\n`);
        return undefined;
      }
      const spec = ctx.commands.get(topic);
      if (spec) {
        ctx.out.write(`${spec.help}\n`);
        return undefined;
      }
      if (topic in GROUP_TITLES) {
        const names = [...new Set([...ctx.commands.values()].filter((s) => s.group === topic).map((s) => s.name))].sort();
        for (const name of names) ctx.out.write(`Command: ${name}\n${ctx.commands.get(name)!.help}\n\n`);
        if (topic === 'tools') ctx.out.write(`${'-'.repeat(80)}\n\nWARNING: Above commands are for 'experts'-only as misuse can damage an install\n\n`);
        return undefined;
      }
      const near = nearest(topic, [...ctx.commands.keys(), ...Object.keys(GROUP_TITLES)]);
      throw invalidArgument('command', `no command or command group named '${topic}'${near ? `; did you mean '${near}'?` : ''}`);
    },
  },
]);
