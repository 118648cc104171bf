// Human output for every result: tables for ports and inventories, a step table and a plain
// statement of what is left (and who holds which port) for resets. Pure: message + Style →
// text, over the messages as decoded (generated __Output types: 64-bit integers are decimal
// strings, absent messages null).
import type { Out } from '../shared/api-types';
import { describeListener, listenerWhere, netnsName, ownerParts } from '../shared/describe';
import { bytes, keyValues, seconds, shortId, Style, table, truncate } from './style';
import type { CommandResult, NodeFailure, NodeOutcome } from './types';
import { exitCodeOf } from './verdict';

export { describeListener };

type Listener = Out<'Listener'>;
type ResetReport = Out<'ResetReport'>;
type Plan = Out<'Plan'>;

const NO_PLAN: Plan = { node: '', createdAt: '', dryRun: false, scope: [], graceSeconds: 0, steps: [] };

/** The same facts, one per line, for a table cell. */
function listenerCell(l: Listener): string {
  if (l.owners.length === 0) return `${listenerWhere(l)}\nno process found (a kernel socket, or its owner exited)`;
  return [listenerWhere(l), ...l.owners.flatMap((o) => ownerParts(o).map((p) => `  ${p}`))].join('\n');
}

/** What a planned action is about, from its detail (JSON texts): the pod (and container), or the process. */
function about(wire: Record<string, string>): string {
  const detail: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(wire)) {
    try {
      detail[k] = JSON.parse(v);
    } catch {
      detail[k] = v;
    }
  }
  if (typeof detail.pod === 'string') {
    const tags = [detail.kind, detail.hostNetwork === true ? 'host network' : ''].filter((x) => typeof x === 'string' && x).join(', ');
    return `${detail.pod}${typeof detail.container === 'string' ? ` / ${detail.container}` : ''}${tags ? ` [${tags}]` : ''}`;
  }
  if (typeof detail.command === 'string') return truncate(detail.command, 50);
  // Odd entries (docs/security.md): what the run will do with each, as the plan says it.
  if (Array.isArray(detail.blockedBy) && detail.blockedBy.length) return truncate(`left: ${detail.blockedBy.map(String).join('; ')}`, 90);
  if (typeof detail.link === 'string') return truncate(`a symlink to ${detail.link}: backed up as the link`, 90);
  if (typeof detail.symlink === 'string') return truncate(`a symlink to ${detail.symlink}: the link removed, never followed`, 90);
  return '';
}

export function formatResetReport(r: ResetReport, s: Style, title = 'reset'): string {
  const { c, sym } = s;
  const out: string[] = [];
  const head = `${title} of ${c.bold(r.node || '?')}${r.dryRun ? ' (dry run: nothing changed)' : ''} — run ${r.runId || '?'}, ${seconds(r.durationMs)}`;
  out.push(head);
  if (r.dryRun) {
    const plan = r.plan ?? NO_PLAN;
    const rows = plan.steps.flatMap((st) =>
      st.actions.length === 0
        ? [[st.name, st.required ? 'required' : 'best-effort', '(nothing to do)', '', '']]
        : st.actions.map((a) => [st.name, st.required ? 'required' : 'best-effort', a.action, shortId(a.target), about(a.detail)]),
    );
    out.push(table(s, ['step', 'kind', 'action', 'target', 'about'], rows));
    for (const st of plan.steps) if (st.note) out.push(`  ${st.name}: ${st.note}`);
    const total = plan.steps.reduce((n, st) => n + st.actions.length, 0);
    out.push(
      `${total} planned action${total === 1 ? '' : 's'}; scope ${plan.scope.length === 0 ? 'all pods' : plan.scope.join(', ')}; grace ${plan.graceSeconds} s`,
    );
  } else if (r.steps.length) {
    const status = (st: string): string =>
      st === 'ok' ? c.green(st) : st === 'skipped' ? c.dim(st) : st === 'partial' ? c.yellow(st) : c.red(st);
    out.push(
      table(
        s,
        ['step', 'status', 'found', 'done', 'skipped', 'failed', 'time'],
        r.steps.map((st) => [st.name, status(st.status), st.found, st.done, st.skipped, st.failed, seconds(st.durationMs)]),
      ),
    );
    for (const st of r.steps) {
      // An ok step's reason repeats the table; a skipped or failing step's says why.
      if (st.reason && st.status !== 'ok') out.push(`  ${st.name}: ${st.reason}`);
      for (const i of st.items.filter((x) => x.outcome === 'failed'))
        out.push(`  ${c.red(sym.fail)} ${st.name}: ${i.action} ${shortId(i.target)}: ${i.message ?? 'failed'}`);
    }
  }
  if (r.backupId)
    out.push(`manifests backed up as ${c.bold(r.backupId)} (kubesweep restore-manifests --backup ${r.backupId} --confirm ${r.node})`);
  if (r.aborted) out.push(c.red(`${sym.fail} run aborted: ${r.aborted}`));
  const v = r.verification;
  if (v) {
    if (v.verdict === 'clean') {
      out.push(
        c.green(`${sym.ok} ${r.node} verified clean`) + (v.checkedPorts.length ? ` — ports free: ${v.checkedPorts.join(', ')}` : ''),
      );
    } else {
      out.push(c.red(`${sym.fail} ${r.node} is NOT clean: ${v.residue.length} thing${v.residue.length === 1 ? '' : 's'} left`));
      for (const res of v.residue) {
        out.push(`  ${c.red(sym.fail)} ${res.kind} ${shortId(res.target)}: ${res.why}`);
        for (const l of res.listeners ?? []) out.push(`      ${describeListener(l)}`);
      }
    }
  } else if (!r.dryRun && title === 'reset') {
    out.push(c.yellow(`${sym.warn} no verification in the report`));
  }
  return out.join('\n');
}

export function formatPortReport(r: Out<'ListPortsResponse'>, s: Style): string {
  const rows = [...r.listeners]
    .sort((a, b) => a.port - b.port || a.protocol.localeCompare(b.protocol))
    .map((l) => {
      const o = l.owners[0];
      const more = l.owners.length > 1 ? ` (+${l.owners.length - 1})` : '';
      return [
        l.protocol + (l.family === 6 ? '6' : ''),
        l.family === 6 ? `[${l.address}]` : l.address,
        l.port,
        netnsName(l),
        o ? `${o.pid}${more}` : '-',
        o ? truncate(o.command, 40) : '-',
        o?.containerName ?? (o?.containerId ? shortId(o.containerId) : '-'),
        o?.pod ? `${o.pod.namespace}/${o.pod.name}` : (o?.podUid ?? '-'),
        o?.pod?.kind ?? '-',
        o?.residue ? s.c.red(`yes${o.residueReason ? `: ${truncate(o.residueReason, 30)}` : ''}`) : '',
      ];
    });
  const out = [table(s, ['proto', 'address', 'port', 'netns', 'pid', 'command', 'container', 'pod', 'kind', 'residue'], rows)];
  out.push(
    `${r.listeners.length} listener${r.listeners.length === 1 ? '' : 's'} in ${r.netnsScanned.length || 1} network namespace${r.netnsScanned.length > 1 ? 's' : ''}${r.malformedLines ? `; ${r.malformedLines} malformed /proc/net lines skipped` : ''}`,
  );
  return out.join('\n');
}

export function formatPortCheck(pc: Out<'CheckPortsResponse'>, s: Style): string {
  const { c, sym } = s;
  const rows = pc.ports.map((p) => [
    p.port,
    p.held ? c.red('HELD') : c.green('free'),
    p.held ? p.listeners.map(listenerCell).join('\n') : '',
  ]);
  const out = [table(s, ['port', 'state', 'held by'], rows)];
  const held = pc.ports.filter((p) => p.held).map((p) => p.port);
  out.push(
    held.length === 0
      ? c.green(`${sym.ok} all ${pc.ports.length} ports free`)
      : c.red(`${sym.fail} ${held.length} of ${pc.ports.length} ports held: ${held.join(', ')}`),
  );
  return out.join('\n');
}

export function formatInventory(inv: Out<'InspectResponse'>, s: Style): string {
  const out: string[] = [];
  const section = (name: string, n: number): string => s.c.bold(`${name} (${n})`);
  if (inv.criError) out.push(s.c.yellow(`${s.sym.warn} CRI not reachable: ${inv.criError}`));
  out.push(section('sandboxes', inv.sandboxes.length));
  if (inv.sandboxes.length)
    out.push(
      table(
        s,
        ['id', 'pod', 'kind', 'network', 'state'],
        inv.sandboxes.map((x) => [shortId(x.id), `${x.namespace}/${x.name}`, x.kind, x.hostNetwork ? 'host' : 'pod', x.state]),
      ),
    );
  out.push(section('containers', inv.containers.length));
  if (inv.containers.length)
    out.push(
      table(
        s,
        ['id', 'name', 'pod', 'state', 'orphan'],
        inv.containers.map((x) => [shortId(x.id), x.name, `${x.podNamespace}/${x.podName}`, x.state, x.orphan ? s.c.red('yes') : '']),
      ),
    );
  out.push(section('shims', inv.shims.length));
  if (inv.shims.length)
    out.push(
      table(
        s,
        ['pid', 'id', 'namespace', 'children'],
        inv.shims.map((x) => [x.pid, shortId(x.id), x.namespace, x.children.map((p) => `${p.pid} ${truncate(p.command, 30)}`).join('\n')]),
      ),
    );
  out.push(section('netns', inv.netns.length));
  if (inv.netns.length)
    out.push(
      table(
        s,
        ['name', 'path', 'inode', 'holders'],
        inv.netns.map((x) => [x.name, x.path, x.inode, x.holders.map((p) => `${p.pid} ${truncate(p.command, 30)}`).join('\n')]),
      ),
    );
  out.push(section('manifests', inv.manifests.length));
  if (inv.manifests.length)
    out.push(
      table(
        s,
        ['name', 'size', 'sha256'],
        inv.manifests.map((x) => [x.name, bytes(Number(x.size)), x.sha256.slice(0, 16)]),
      ),
    );
  out.push(section('backups', inv.backups.length));
  if (inv.backups.length)
    out.push(
      table(
        s,
        ['id', 'created', 'files', 'size'],
        inv.backups.map((x) => [x.id, x.createdAt, x.files, bytes(Number(x.bytes))]),
      ),
    );
  // What a rejoin trips over: every kind, on by default or not (reset --with / --without).
  out.push(section('links', inv.links.length));
  if (inv.links.length)
    out.push(
      table(
        s,
        ['name', 'kind', 'state', 'addresses', 'pattern'],
        inv.links.map((x) => [
          x.name,
          x.kind,
          x.inert ? s.c.dim('down, inert (kept)') : x.up ? 'up' : 'down',
          x.addresses.join('\n'),
          x.pattern,
        ]),
      ),
    );
  out.push(section('ip reservations', inv.ipReservations.length));
  if (inv.ipReservations.length)
    out.push(
      table(
        s,
        ['ip', 'network', 'container', 'live'],
        inv.ipReservations.map((x) => [x.ip, x.network, shortId(x.containerId), x.live ? 'yes' : s.c.red('no (stale)')]),
      ),
    );
  out.push(section('cni cache files', inv.cniCacheFiles.length));
  if (inv.cniCacheFiles.length)
    out.push(
      table(
        s,
        ['network', 'if', 'sandbox', 'netns', 'live'],
        inv.cniCacheFiles.map((x) => [x.network, x.ifname, shortId(x.containerId), x.netns, x.live ? 'yes' : s.c.red('no (stale)')]),
      ),
    );
  out.push(section('kubelet mounts', inv.kubeletMounts.length));
  if (inv.kubeletMounts.length)
    out.push(
      table(
        s,
        ['mount point', 'type', 'source', 'pod'],
        inv.kubeletMounts.map((x) => [x.mountPoint, x.fsType, x.source, x.podUid]),
      ),
    );
  out.push(section('kubelet pod dirs', inv.kubeletPodDirs.length));
  for (const d of inv.kubeletPodDirs) out.push(`  ${d}`);
  out.push(section('pod cgroups', inv.podCgroups.length));
  if (inv.podCgroups.length)
    out.push(
      table(
        s,
        ['cgroup', 'pod / container', 'processes', 'live'],
        inv.podCgroups.map((x) => [
          truncate(x.unit || x.cgroup, 70),
          x.podUid || x.containerId.slice(0, 12),
          x.processes,
          x.live ? 'yes' : s.c.red('no'),
        ]),
      ),
    );
  out.push(section('cni config files', inv.cniConfigFiles.length));
  if (inv.cniConfigFiles.length)
    out.push(
      table(
        s,
        ['path', 'size', 'pattern'],
        inv.cniConfigFiles.map((x) => [x.path, bytes(Number(x.size)), x.pattern]),
      ),
    );
  out.push(section('firewall tables', inv.firewall.length));
  if (inv.firewall.length)
    out.push(
      table(
        s,
        ['backend', 'table', 'chains', 'jumps'],
        inv.firewall.map((x) => [x.backend, x.table, `${x.chains.length}: ${truncate(x.chains.join(' '), 60)}`, x.jumps]),
      ),
    );
  out.push(
    `${s.c.bold('kubelet unit')}: ${inv.kubeletUnitState === 'enabled' ? s.c.red('enabled (starts at boot; reset --with kubelet-unit disables it)') : inv.kubeletUnitState || s.c.dim('no systemd or no unit configured')}`,
  );
  for (const e of inv.etcdData) {
    const state = !e.present ? 'absent' : e.memberEntries ? `member data (${e.memberEntries} entries)` : 'no member data';
    const used = e.inUse.length ? `; etcd runs: ${truncate(e.inUse.join('; '), 120)}` : '';
    out.push(`${s.c.bold('etcd data dir')}: ${e.dir}: ${state}${used}${e.backups.length ? `; ${e.backups.length} earlier move(s)` : ''}`);
  }
  out.push(section('kubelet state', inv.kubeletStateFiles.length));
  if (inv.kubeletStateFiles.length)
    out.push(
      table(
        s,
        ['path', 'size', 'what'],
        inv.kubeletStateFiles.map((x) => [x.path, bytes(Number(x.size)), x.odd ? `left: ${x.odd}` : x.symlink ? 'symlink' : 'file']),
      ),
    );
  for (const e of inv.residueErrors) out.push(s.c.yellow(`${s.sym.warn} ${e}`));
  return out.join('\n');
}

export function formatInfo(i: Out<'InfoResponse'>, s: Style): string {
  const f = i.facts ?? { os: '', kernel: '', hostname: '', arch: '', cpus: 0, memoryBytes: '0', uptimeSeconds: '0' };
  return keyValues(s, [
    ['node', i.nodeName],
    ['agent', i.agentVersion],
    [
      'runtime',
      i.criError ? s.c.yellow(`unreachable: ${i.criError}`) : `${i.criRuntimeName} ${i.criRuntimeVersion} (CRI ${i.criApiVersion})`,
    ],
    ['os', `${f.os} ${f.kernel} ${f.arch}`],
    ['hostname', f.hostname],
    ['cpus / memory', `${f.cpus} / ${bytes(Number(f.memoryBytes))}`],
    ['uptime', `${Math.round(Number(f.uptimeSeconds) / 3600)} h`],
    ['expected-free ports', i.expectFreePorts.join(', ')],
    ['manifests dir', i.manifestsDir],
    ['netns dirs', i.netnsDirs.join(', ')],
    ['state dir', i.stateDir],
  ]).concat(formatDirs(i, s));
}

/** Every dir the agent uses and where it came from; then the warnings about them. */
function formatDirs(i: Out<'InfoResponse'>, s: Style): string {
  const out: string[] = [];
  if (i.criEndpoint) out.push(`\n${s.c.bold('cri endpoint')}: ${i.criEndpoint} ${s.c.dim(`(${i.criEndpointSource || 'flag'})`)}`);
  if (i.runtimeSource)
    out.push(
      `${s.c.bold('containerd known from')}: ${i.runtimeSource}${i.runtimeVersion ? `, ${i.runtimeVersion}` : ''}${i.runtimeLearnedAt ? ` at ${i.runtimeLearnedAt}` : ''}`,
    );
  if (i.dirs.length) {
    out.push(s.c.bold('dirs in use:'));
    for (const d of i.dirs) {
      const mark = d.warning ? s.c.yellow(`${s.sym.warn} `) : '  ';
      out.push(`${mark}${d.option.padEnd(16)} ${d.paths.join(', ') || s.c.dim('(none)')}  ${s.c.dim(`[${d.source}: ${d.detail}]`)}`);
    }
  }
  for (const w of i.dirWarnings) out.push(s.c.yellow(`${s.sym.warn} ${w}`));
  return out.length ? `\n${out.join('\n')}` : '';
}

export function formatRestore(r: Out<'RestoreManifestsResponse'>, s: Style): string {
  const out = [
    `restored backup ${s.c.bold(r.backupId)}: ${r.restored.length} file${r.restored.length === 1 ? '' : 's'} written, ${r.unchanged.length} already identical`,
  ];
  for (const f of r.restored) out.push(`  ${s.c.green(s.sym.ok)} ${f}`);
  for (const f of r.unchanged) out.push(`  ${s.c.dim('=')} ${f}`);
  return out.join('\n');
}

export function formatResult(res: CommandResult, s: Style): string {
  switch (res.command) {
    case 'reset':
    case 'stop-pods':
    case 'wipe-manifests':
    case 'remove-netns':
      return formatResetReport(res.value, s, res.command);
    case 'ports':
      return formatPortReport(res.value, s);
    case 'check-ports':
      return formatPortCheck(res.value, s);
    case 'inspect':
      return formatInventory(res.value, s);
    case 'restore-manifests':
      return formatRestore(res.value, s);
    case 'info':
      return formatInfo(res.value, s);
  }
}

export function formatFailure(endpoint: string, f: NodeFailure): string {
  const what = f.kind === 'unreachable' ? 'unreachable' : f.kind === 'usage' ? 'usage' : f.kind === 'tls' ? 'TLS' : 'refused';
  return `kubesweep: ${endpoint}: ${what} (${f.code}): ${f.message}`;
}

/** One short phrase per node for the fan-out summary. */
export function summarize(o: NodeOutcome): string {
  if (o.error) return `${o.error.kind}: ${truncate(o.error.message, 70)}`;
  const res = o.result!;
  switch (res.command) {
    case 'reset':
    case 'stop-pods':
    case 'wipe-manifests':
    case 'remove-netns': {
      const r = res.value;
      if (r.dryRun) return `dry run: ${(r.plan ?? NO_PLAN).steps.reduce((n, st) => n + st.actions.length, 0)} actions planned`;
      if (r.aborted) return `aborted: ${truncate(r.aborted, 60)}`;
      const failed = r.steps.reduce((n, st) => n + st.failed, 0);
      if (r.verification?.verdict === 'residue') {
        const ports = r.verification.residue.filter((x) => x.kind === 'port').map((x) => x.target);
        return `NOT clean: ${r.verification.residue.length} left${ports.length ? ` (ports ${ports.join(', ')})` : ''}`;
      }
      if (exitCodeOf(res) !== 0) return `${failed} action${failed === 1 ? '' : 's'} failed`;
      return r.verification ? 'clean' : 'done';
    }
    case 'check-ports': {
      const held = res.value.ports.filter((p) => p.held).map((p) => p.port);
      return held.length ? `held: ${held.join(', ')}` : 'all free';
    }
    case 'ports':
      return `${res.value.listeners.length} listeners`;
    case 'inspect':
      return `${res.value.sandboxes.length} sandboxes, ${res.value.shims.length} shims, ${res.value.netns.length} netns`;
    case 'restore-manifests':
      return `${res.value.restored.length} restored`;
    case 'info':
      return `${res.value.nodeName} ${res.value.agentVersion}`;
  }
}

export function formatSummary(outcomes: NodeOutcome[], s: Style): string {
  const code = (n: number): string => (n === 0 ? s.c.green('0') : n === 1 ? s.c.yellow('1') : s.c.red('2'));
  return table(
    s,
    ['node', 'endpoint', 'result', 'exit', 'time'],
    outcomes.map((o) => [o.node, o.endpoint, summarize(o), code(o.exitCode), seconds(o.durationMs)]),
  );
}
