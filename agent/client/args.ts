// Command line → Invocation (data). commander does the parsing and the help text; this file
// adds the checks that span options: the node-name guard, TLS for TCP endpoints, fan-out.
// Nothing here dials an agent; the only I/O is reading the agents file (injected for tests).
import { readFileSync } from 'node:fs';
import { Command, CommanderError, Option } from 'commander';
import { ksError } from '../shared/errors';
import { CLEANUP_KINDS, DEFAULT_KINDS, parseKindList, type CleanupKind } from '../shared/kinds';
import { POD_KINDS, type PodKind } from '../shared/pod-kind';
import { parseAgentsFile } from './agents-file';
import { DEFAULT_AGENT_PORT, DEFAULT_ENDPOINT, parseEndpoint, TlsFiles } from '../shared/endpoint';
import { AgentTarget, CommandName, GUARDED, Invocation } from './types';

export type ParseOutcome = { kind: 'run'; invocation: Invocation } | { kind: 'exit'; code: 0 | 2; stdout: string; stderr: string };

export interface ParseEnv {
  env?: NodeJS.ProcessEnv;
  readFile?: (path: string) => string;
  version?: string;
}

const collect = (v: string, prev: string[] | undefined): string[] => [...(prev ?? []), v];

/** What commander hands the action: the flags above, camelCased, as given (strings until parsed here). */
interface CliOptions {
  agent?: string[];
  agentsFile?: string;
  group?: string;
  /** port, parallel and connectTimeout have defaults, so commander always gives them. */
  port: string;
  parallel: string;
  tlsCa?: string;
  tlsCert?: string;
  tlsKey?: string;
  tlsServerName?: string;
  connectTimeout: string;
  json?: boolean;
  color?: boolean;
  confirm?: string;
  confirmEach?: boolean;
  dryRun?: boolean;
  scope?: string[];
  grace?: string;
  expectFree?: string;
  with?: string[];
  without?: string[];
  allNetns?: boolean;
  backup?: string;
}

const GUARD_HELP = 'the node name this agent must have; the agent refuses when it differs';

function buildProgram(
  version: string,
  out: { stdout: string; stderr: string },
  onAction: (command: CommandName, args: unknown[], opts: CliOptions) => void,
): Command {
  const program = new Command('kubesweep')
    .description('Reset Kubernetes nodes cleanly through their kubesweep agents, and prove they are clean.')
    .version(version, '-V, --version')
    .exitOverride()
    .configureOutput({ writeOut: (s) => (out.stdout += s), writeErr: (s) => (out.stderr += s) })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `
Endpoints: unix:///path or host:port (TCP needs --tls-ca, --tls-cert, --tls-key).
Default endpoint: $KUBESWEEP_AGENT, else ${DEFAULT_ENDPOINT}.
Exit codes: 0 success / clean / all free; 1 not clean or a port is held; 2 usage, connection or refusal.`,
    );
  program
    .option('--agent <endpoint>', 'agent endpoint, or NODE=ENDPOINT; repeat for several nodes', collect)
    .option(
      '--agents-file <file>',
      'fan out over the agents listed in FILE: "NODE ENDPOINT" lines or an Ansible inventory (INI, or YAML like Kubespray\'s hosts.yaml)',
    )
    .option('--group <name>', 'with an inventory: only the hosts of this group (and its children)')
    .option('--port <port>', 'agent port for inventory hosts without kubesweep_endpoint', String(DEFAULT_AGENT_PORT))
    .option('--parallel <n>', 'agents to work on at once', '4')
    .option('--tls-ca <file>', "CA that signed the agents' server certificates")
    .option('--tls-cert <file>', 'client certificate (role reader or admin)')
    .option('--tls-key <file>', 'client key')
    .option('--tls-server-name <name>', 'name to check the server certificate against (when dialling an IP that is not in its SANs)')
    .option('--connect-timeout <seconds>', 'give up on an agent that does not answer within this time', '10')
    .option('--json', 'print exactly one JSON document on stdout')
    .option('--color', 'force colour')
    .option('--no-color', 'no colour (default when stdout is not a terminal)');

  const guarded = (cmd: Command, dryRun = true): Command => {
    cmd
      .option('--confirm <node>', GUARD_HELP)
      .option('--confirm-each', 'fan-out: send each agent the node name the agents file pairs it with');
    if (dryRun) cmd.option('--dry-run', 'print the plan, change nothing');
    return cmd;
  };
  const scoped = (cmd: Command): Command =>
    cmd
      .addOption(
        new Option('--scope <kinds>', 'pod kinds to remove: static, daemonset, pod (comma-separated or repeated; default all)').argParser(
          collect,
        ),
      )
      .option('--grace <seconds>', 'seconds between SIGTERM and SIGKILL for containers');

  const act =
    (name: CommandName) =>
    (...args: unknown[]) => {
      const cmd = args[args.length - 1] as Command;
      onAction(name, args.slice(0, -2), cmd.optsWithGlobals<CliOptions>());
    };

  scoped(
    guarded(
      program
        .command('reset')
        .description('stop and remove pods, wipe static manifests (after a backup), remove netns and shims, then verify'),
    ),
  )
    .option('--expect-free <ports>', "ports that must be free afterwards (comma-separated; default: the agent's set)")
    .addOption(
      new Option(
        '--with <kinds>',
        `also clear these kinds: ${CLEANUP_KINDS.filter((k) => !DEFAULT_KINDS.includes(k)).join(', ')} (comma-separated or repeated)`,
      ).argParser(collect),
    )
    .addOption(
      new Option(
        '--without <kinds>',
        `leave these kinds alone: ${DEFAULT_KINDS.join(', ')} are on by default (comma-separated or repeated)`,
      ).argParser(collect),
    )
    .action(act('reset'));
  scoped(guarded(program.command('stop-pods').description('only stop and remove pods'))).action(act('stop-pods'));
  guarded(program.command('wipe-manifests').description('only back up and remove the static pod manifests')).action(act('wipe-manifests'));
  guarded(program.command('remove-netns').description('only remove leftover pod network namespaces')).action(act('remove-netns'));
  program
    .command('ports')
    .description('listening ports with their owning process, container and pod')
    .option('--all-netns', 'also list pod network namespaces')
    .action(act('ports'));
  program
    .command('check-ports')
    .description("are these ports free? (default: the agent's expected-free set)")
    .argument('[ports...]', 'ports, comma- or space-separated')
    .action(act('check-ports'));
  program
    .command('inspect')
    .description('what is left on the node: sandboxes, containers, shims, netns, manifests, backups')
    .action(act('inspect'));
  guarded(program.command('restore-manifests').description('put the static manifests of a backup back'), false)
    .option('--backup <id>', 'backup to restore (default: the newest)')
    .action(act('restore-manifests'));
  program.command('info').description('the agent and its node').action(act('info'));
  return program;
}

/** Parse argv (without node and script). Usage problems come back as exit 2 with one line. */
export function parseArgs(argv: readonly string[], penv: ParseEnv = {}): ParseOutcome {
  const out = { stdout: '', stderr: '' };
  let picked: { command: CommandName; args: unknown[]; opts: CliOptions } | undefined;
  const program = buildProgram(penv.version ?? '0.0.0', out, (command, args, opts) => (picked = { command, args, opts }));
  if (argv.length === 0) return { kind: 'exit', code: 2, stdout: '', stderr: 'kubesweep: no command given (kubesweep --help lists them)' };
  try {
    program.parse([...argv], { from: 'user' });
  } catch (err) {
    if (err instanceof CommanderError) {
      if (err.exitCode === 0) return { kind: 'exit', code: 0, stdout: out.stdout, stderr: '' };
      return { kind: 'exit', code: 2, stdout: '', stderr: oneLine(err.message) };
    }
    throw err;
  }
  if (!picked) return { kind: 'exit', code: 2, stdout: '', stderr: 'kubesweep: no command given (try --help)' };
  try {
    return { kind: 'run', invocation: toInvocation(picked.command, picked.args, picked.opts, penv) };
  } catch (err) {
    return { kind: 'exit', code: 2, stdout: '', stderr: oneLine((err as Error).message) };
  }
}

function oneLine(msg: string): string {
  const first = msg.split('\n').find((l) => l.trim()) ?? msg;
  return `kubesweep: ${first.replace(/^error:\s*/, '').trim()}`;
}

function usage(msg: string): Error {
  return ksError('KS_INVALID_ARGUMENT', msg);
}

function int(text: string, what: string, min: number, max: number): number {
  const n = Number(text);
  if (!/^\d+$/.test(text.trim()) || !Number.isInteger(n) || n < min || n > max)
    throw usage(`${what} must be an integer from ${min} to ${max}, got ${JSON.stringify(text)}`);
  return n;
}

export function parsePortList(items: readonly string[], what = 'port'): number[] {
  const out: number[] = [];
  for (const item of items)
    for (const p of item.split(/[\s,]+/).filter(Boolean)) {
      const n = int(p, what, 1, 65535);
      if (!out.includes(n)) out.push(n);
    }
  return out;
}

function parseTarget(text: string): AgentTarget {
  const eq = text.indexOf('=');
  if (eq > 0 && !text.slice(0, eq).includes('/') && !text.slice(0, eq).includes(':')) {
    const node = text.slice(0, eq);
    return { node, endpoint: parseEndpoint(text.slice(eq + 1)).text };
  }
  return { endpoint: parseEndpoint(text).text };
}

function toInvocation(command: CommandName, args: unknown[], o: CliOptions, penv: ParseEnv): Invocation {
  const env = penv.env ?? process.env;
  const readFile = penv.readFile ?? ((p: string) => readFileSync(p, 'utf8'));

  const targets: AgentTarget[] = (o.agent ?? []).map(parseTarget);
  if (o.agentsFile) {
    let text: string;
    try {
      text = readFile(o.agentsFile);
    } catch (err) {
      throw usage(`cannot read --agents-file ${o.agentsFile}: ${(err as Error).message}`);
    }
    targets.push(...parseAgentsFile(text, { port: int(o.port, '--port', 1, 65535), group: o.group, source: o.agentsFile }));
  } else if (o.group !== undefined) {
    throw usage('--group needs --agents-file');
  }
  if (targets.length === 0) targets.push(parseTarget(env.KUBESWEEP_AGENT || DEFAULT_ENDPOINT));
  const fanOut = !!o.agentsFile || targets.length > 1;
  const seen = new Set<string>();
  for (const t of targets) {
    if (seen.has(t.endpoint)) throw usage(`agent ${t.endpoint} is listed twice`);
    seen.add(t.endpoint);
  }

  const tlsGiven = [o.tlsCa, o.tlsCert, o.tlsKey].filter((v) => v !== undefined).length;
  if (tlsGiven !== 0 && tlsGiven !== 3) throw usage('--tls-ca, --tls-cert and --tls-key go together');
  const { tlsCa: ca, tlsCert: cert, tlsKey: key } = o;
  const tls: TlsFiles | undefined =
    ca !== undefined && cert !== undefined && key !== undefined
      ? { ca, cert, key, ...(o.tlsServerName ? { serverName: o.tlsServerName } : {}) }
      : undefined;
  if (!tls) {
    const tcp = targets.find((t) => parseEndpoint(t.endpoint).kind === 'tcp');
    if (tcp)
      throw usage(`${tcp.endpoint} is a TCP endpoint: the agent speaks only mutual TLS there; give --tls-ca, --tls-cert and --tls-key`);
  }

  let confirm: Invocation['confirm'];
  if (GUARDED.has(command)) {
    if (o.confirm !== undefined && o.confirmEach) throw usage('use either --confirm NODE or --confirm-each, not both');
    if (o.confirmEach) {
      const nameless = targets.find((t) => !t.node);
      if (nameless)
        throw usage(
          `--confirm-each needs a node name for every agent (--agents-file, or --agent NODE=ENDPOINT); ${nameless.endpoint} has none`,
        );
      confirm = { mode: 'each' };
    } else if (o.confirm !== undefined) {
      const node = String(o.confirm).trim();
      if (!node) throw usage('--confirm needs the node name');
      if (fanOut)
        throw usage(`--confirm ${node} names one node but ${targets.length} agents are targeted; use --confirm-each with an agents file`);
      const named = targets[0].node;
      if (named !== undefined && named !== node) throw usage(`--confirm ${node} contradicts --agent ${named}=…`);
      confirm = { mode: 'node', node };
    } else {
      throw usage(
        fanOut
          ? `${command} changes the nodes: add --confirm-each (each agent gets the node name your agents file pairs it with)`
          : `${command} changes the node: add --confirm NODE (the agent refuses unless NODE is its node name)`,
      );
    }
  }

  const scope: PodKind[] = [];
  for (const s of (o.scope ?? [])
    .flatMap((v) => v.split(','))
    .map((v) => v.trim())
    .filter(Boolean)) {
    if (!POD_KINDS.includes(s as PodKind)) throw usage(`--scope: unknown pod kind ${JSON.stringify(s)} (static, daemonset, pod)`);
    if (!scope.includes(s as PodKind)) scope.push(s as PodKind);
  }

  const kindList = (flag: string, v: unknown): CleanupKind[] => {
    const { kinds, problems } = parseKindList((v as string[] | undefined) ?? []);
    if (problems.length) throw usage(`${flag}: ${problems.join('; ')}`);
    return kinds;
  };
  const withKinds = kindList('--with', o.with);
  const withoutKinds = kindList('--without', o.without);
  const both = withKinds.filter((k) => withoutKinds.includes(k));
  if (both.length) throw usage(`--with and --without both name ${both.join(', ')}`);

  const inv: Invocation = {
    command,
    targets,
    fanOut,
    json: !!o.json,
    color: o.color === true ? true : o.color === false ? false : 'auto',
    parallel: int(o.parallel, '--parallel', 1, 1000),
    connectTimeoutMs: int(o.connectTimeout, '--connect-timeout', 1, 3600) * 1000,
    dryRun: !!o.dryRun,
    scope,
    expectFree: o.expectFree !== undefined ? parsePortList([o.expectFree], '--expect-free') : [],
    withKinds,
    withoutKinds,
    allNetns: !!o.allNetns,
    ports: command === 'check-ports' ? parsePortList((args[0] as string[] | undefined) ?? []) : [],
  };
  if (tls) inv.tls = tls;
  if (confirm) inv.confirm = confirm;
  if (o.grace !== undefined) inv.graceSeconds = int(o.grace, '--grace', 0, 86400);
  if (o.backup !== undefined) inv.backupId = String(o.backup);
  return inv;
}
