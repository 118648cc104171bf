// The operator's list of agents for a fan-out: either plain `NODE ENDPOINT` lines, or an
// Ansible INI inventory whose host names are the node names. Either way every endpoint is
// paired with the node name the operator means, which is what `--confirm-each` sends as the
// guard: an agent reached through a stale address then refuses instead of wiping the wrong node.
import { ksError } from '../errors';
import { DEFAULT_AGENT_PORT, parseEndpoint } from './endpoint';
import type { AgentTarget } from './types';

export interface AgentsFileOptions {
  /** Port for INI hosts without kubesweep_endpoint / kubesweep_port. */
  port?: number;
  /** INI only: take the hosts of this group (and of its :children groups). */
  group?: string;
  /** For messages. */
  source?: string;
}

const NODE_NAME = /^[a-z0-9]([a-z0-9.-]*[a-z0-9])?$/;

/** True when the text looks like an INI inventory rather than `NODE ENDPOINT` lines. */
export function looksLikeIni(text: string): boolean {
  return text.split('\n').some((l) => {
    const s = l.trim();
    return /^\[[^\]]+\]$/.test(s) || /^\S+\s+\S+=/.test(s) || /^\S+=\S*$/.test(s);
  });
}

export function parseAgentsFile(text: string, opts: AgentsFileOptions = {}): AgentTarget[] {
  const targets = looksLikeIni(text) ? parseIniInventory(text, opts) : parseNodeLines(text, opts);
  if (targets.length === 0) throw ksError('KS_INVALID_ARGUMENT', `${opts.source ?? 'agents file'}: no agents listed`);
  checkUnique(targets, opts.source ?? 'agents file');
  return targets;
}

/** `NODE ENDPOINT` per line; `#` comments and blank lines ignored. */
export function parseNodeLines(text: string, opts: AgentsFileOptions = {}): AgentTarget[] {
  const src = opts.source ?? 'agents file';
  const out: AgentTarget[] = [];
  text.split('\n').forEach((raw, i) => {
    const line = raw.replace(/#.*$/, '').trim();
    if (!line) return;
    const fields = line.split(/\s+/);
    if (fields.length !== 2) throw ksError('KS_INVALID_ARGUMENT', `${src}:${i + 1}: expected "NODE ENDPOINT", got ${JSON.stringify(raw.trim())}`);
    const [node, endpoint] = fields as [string, string];
    checkNodeName(node, `${src}:${i + 1}`);
    out.push({ node, endpoint: checkEndpoint(endpoint, `${src}:${i + 1}`) });
  });
  return out;
}

interface IniHost {
  name: string;
  vars: Record<string, string>;
  line: number;
}

/**
 * Ansible INI inventory: `[group]` sections of `host key=value …` lines, `[group:children]`
 * sections naming groups, `[group:vars]` sections of `key=value`. The node name is the host's
 * `kubesweep_node_name`, else the host name. The endpoint is the host's
 * `kubesweep_endpoint`, else `<ansible_host or host name>:<kubesweep_port or --port>`; group
 * vars apply to the group's hosts (host vars win).
 */
export function parseIniInventory(text: string, opts: AgentsFileOptions = {}): AgentTarget[] {
  const src = opts.source ?? 'inventory';
  const hosts = new Map<string, IniHost>();
  const groupHosts = new Map<string, string[]>();
  const children = new Map<string, string[]>();
  const groupVars = new Map<string, Record<string, string>>();
  let section: { group: string; kind: 'hosts' | 'children' | 'vars' } = { group: 'ungrouped', kind: 'hosts' };

  text.split('\n').forEach((raw, i) => {
    const where = `${src}:${i + 1}`;
    const line = raw.trim();
    if (!line || line.startsWith('#') || line.startsWith(';')) return;
    const sec = /^\[([^\]]+)\]$/.exec(line);
    if (sec) {
      const [group, kind = 'hosts'] = sec[1]!.trim().split(':');
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars') throw ksError('KS_INVALID_ARGUMENT', `${where}: unknown section kind ":${kind}"`);
      section = { group: group!, kind };
      return;
    }
    const tokens = splitIniLine(line);
    if (section.kind === 'vars') {
      const vars = groupVars.get(section.group) ?? {};
      for (const t of tokens) {
        const eq = t.indexOf('=');
        if (eq < 1) throw ksError('KS_INVALID_ARGUMENT', `${where}: expected key=value in [${section.group}:vars]`);
        vars[t.slice(0, eq)] = t.slice(eq + 1);
      }
      groupVars.set(section.group, vars);
      return;
    }
    const name = tokens[0]!;
    if (section.kind === 'children') {
      children.set(section.group, [...(children.get(section.group) ?? []), name]);
      return;
    }
    if (/[[\]]/.test(name)) throw ksError('KS_INVALID_ARGUMENT', `${where}: host ranges like ${name} are not supported; list the hosts one per line`);
    checkNodeName(name, where);
    const vars: Record<string, string> = {};
    for (const t of tokens.slice(1)) {
      const eq = t.indexOf('=');
      if (eq < 1) throw ksError('KS_INVALID_ARGUMENT', `${where}: expected key=value after the host name, got ${JSON.stringify(t)}`);
      vars[t.slice(0, eq)] = t.slice(eq + 1);
    }
    const known = hosts.get(name);
    if (known) Object.assign(known.vars, vars);
    else hosts.set(name, { name, vars, line: i + 1 });
    groupHosts.set(section.group, [...(groupHosts.get(section.group) ?? []), name]);
  });

  let selected: string[];
  if (opts.group !== undefined) {
    const seen = new Set<string>();
    const collect = (g: string): string[] => {
      if (seen.has(g)) return [];
      seen.add(g);
      return [...(groupHosts.get(g) ?? []), ...(children.get(g) ?? []).flatMap(collect)];
    };
    selected = [...new Set(collect(opts.group))];
    if (!groupHosts.has(opts.group) && !children.has(opts.group)) throw ksError('KS_INVALID_ARGUMENT', `${src}: no group [${opts.group}]`);
  } else {
    selected = [...hosts.keys()];
  }

  const groupsOf = (host: string): string[] => {
    const direct = [...groupHosts].filter(([, hs]) => hs.includes(host)).map(([g]) => g);
    const all = new Set<string>(direct);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [parent, kids] of children) if (!all.has(parent) && kids.some((k) => all.has(k))) all.add(parent), (grew = true);
    }
    return ['all', ...all];
  };

  return selected.map((name) => {
    const h = hosts.get(name)!;
    const vars: Record<string, string> = {};
    for (const g of groupsOf(name)) Object.assign(vars, groupVars.get(g) ?? {});
    Object.assign(vars, h.vars);
    const where = `${src}:${h.line}`;
    // The guard is the Kubernetes node name: the host's kubesweep_node_name when its inventory
    // name differs (the Ansible playbook uses the same variable), else the host name.
    const node = vars.kubesweep_node_name ? unquote(vars.kubesweep_node_name) : name;
    checkNodeName(node, where);
    if (vars.kubesweep_endpoint) return { node, endpoint: checkEndpoint(unquote(vars.kubesweep_endpoint), where) };
    const port = vars.kubesweep_port ? Number(unquote(vars.kubesweep_port)) : (opts.port ?? DEFAULT_AGENT_PORT);
    if (!Number.isInteger(port) || port < 1 || port > 65535) throw ksError('KS_INVALID_ARGUMENT', `${where}: bad kubesweep_port for ${name}`);
    const host = unquote(vars.ansible_host ?? name);
    return { node, endpoint: checkEndpoint(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, where) };
  });
}

/** Split on whitespace, keeping quoted values (key="a b") together. */
function splitIniLine(line: string): string[] {
  const out: string[] = [];
  const re = /(?:[^\s"']+|"[^"]*"|'[^']*')+/g;
  for (const m of line.replace(/\s[#;].*$/, '').matchAll(re)) out.push(m[0]);
  return out;
}

function unquote(v: string): string {
  return v.replace(/^(["'])(.*)\1$/, '$2');
}

function checkNodeName(name: string, where: string): void {
  if (!NODE_NAME.test(name) || name.length > 253) throw ksError('KS_INVALID_ARGUMENT', `${where}: ${JSON.stringify(name)} is not a valid node name (lowercase letters, digits, "-" and ".")`);
}

function checkEndpoint(text: string, where: string): string {
  try {
    return parseEndpoint(text).text;
  } catch (err) {
    throw ksError('KS_INVALID_ARGUMENT', `${where}: ${(err as Error).message}`);
  }
}

function checkUnique(targets: AgentTarget[], src: string): void {
  const byNode = new Map<string, string>();
  const byEndpoint = new Map<string, string>();
  for (const t of targets) {
    if (byNode.has(t.node!)) throw ksError('KS_INVALID_ARGUMENT', `${src}: node ${t.node} is listed twice`);
    const other = byEndpoint.get(t.endpoint);
    if (other) throw ksError('KS_INVALID_ARGUMENT', `${src}: ${t.node} and ${other} share the endpoint ${t.endpoint}; each node needs its own agent`);
    byNode.set(t.node!, t.endpoint);
    byEndpoint.set(t.endpoint, t.node!);
  }
}
