// The operator's list of agents for a fan-out: plain `NODE ENDPOINT` lines, or an Ansible
// inventory (INI, or YAML like Kubespray's hosts.yaml) whose host names are the node names. Either way every endpoint is
// paired with the node name the operator means, which is what `--confirm-each` sends as the
// guard: an agent reached through a stale address then refuses instead of wiping the wrong node.
import { parse as parseYaml } from 'yaml';
import { ksError } from '../shared/errors';
import { DEFAULT_AGENT_PORT, parseEndpoint } from '../shared/endpoint';
import { expandHostRange } from './host-range';
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
  const yamlDoc = looksLikeIni(text) ? undefined : yamlInventory(text);
  const targets = yamlDoc
    ? parseYamlInventory(yamlDoc, opts)
    : looksLikeIni(text)
      ? parseIniInventory(text, opts)
      : parseNodeLines(text, opts);
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
    if (fields.length !== 2)
      throw ksError('KS_INVALID_ARGUMENT', `${src}:${i + 1}: expected "NODE ENDPOINT", got ${JSON.stringify(raw.trim())}`);
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
 * vars apply to the group's hosts (host vars win). Host ranges (`node[01:10]`) expand as Ansible
 * expands them (host-range.ts), each host with the line's vars.
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
      const [group, kind = 'hosts'] = sec[1].trim().split(':');
      if (kind !== 'hosts' && kind !== 'children' && kind !== 'vars')
        throw ksError('KS_INVALID_ARGUMENT', `${where}: unknown section kind ":${kind}"`);
      section = { group: group, kind };
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
    const name = tokens[0];
    if (section.kind === 'children') {
      children.set(section.group, [...(children.get(section.group) ?? []), name]);
      return;
    }
    const names = expandHostRange(name, where);
    for (const n of names) checkNodeName(n, where);
    const vars: Record<string, string> = {};
    for (const t of tokens.slice(1)) {
      const eq = t.indexOf('=');
      if (eq < 1) throw ksError('KS_INVALID_ARGUMENT', `${where}: expected key=value after the host name, got ${JSON.stringify(t)}`);
      vars[t.slice(0, eq)] = t.slice(eq + 1);
    }
    for (const n of names) {
      const known = hosts.get(n);
      if (known) Object.assign(known.vars, vars);
      else hosts.set(n, { name: n, vars: { ...vars }, line: i + 1 });
    }
    groupHosts.set(section.group, [...(groupHosts.get(section.group) ?? []), ...names]);
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

  const groupSets = new Map([...groupHosts].map(([g, hs]) => [g, new Set(hs)]));
  const groupsOf = (host: string): string[] => {
    const direct = [...groupSets].filter(([, hs]) => hs.has(host)).map(([g]) => g);
    const all = new Set<string>(direct);
    let grew = true;
    while (grew) {
      grew = false;
      for (const [parent, kids] of children) {
        if (!all.has(parent) && kids.some((k) => all.has(k))) {
          all.add(parent);
          grew = true;
        }
      }
    }
    return ['all', ...all];
  };

  return selected.map((name) => {
    const h = hosts.get(name)!;
    const vars: Record<string, string> = {};
    for (const g of groupsOf(name)) Object.assign(vars, groupVars.get(g) ?? {});
    Object.assign(vars, h.vars);
    return targetFor(name, vars, `${src}:${h.line}`, opts.port);
  });
}

type YamlGroup = {
  hosts?: Record<string, Record<string, unknown> | null> | null;
  children?: Record<string, YamlGroup | null> | null;
  vars?: Record<string, unknown> | null;
};

/** The parsed document when the text is a YAML inventory (groups with hosts/children), else undefined. */
function yamlInventory(text: string): Record<string, YamlGroup | null> | undefined {
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch {
    return undefined;
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) return undefined;
  const groups = Object.values(doc as Record<string, unknown>);
  const isGroup = (g: unknown): boolean =>
    g === null ||
    (typeof g === 'object' && !Array.isArray(g) && Object.keys(g).every((k) => k === 'hosts' || k === 'children' || k === 'vars'));
  if (groups.length === 0 || !groups.every(isGroup)) return undefined;
  return doc as Record<string, YamlGroup | null>;
}

/**
 * Ansible YAML inventory (Kubespray's inventory/<cluster>/hosts.yaml): groups with `hosts`
 * (host → vars), `children` (nested groups) and `vars`. Same rules as the INI form: node name
 * from kubesweep_node_name or the host name; endpoint from kubesweep_endpoint, else
 * `<ansible_host or host name>:<kubesweep_port or --port>`; host vars win over group vars.
 */
export function parseYamlInventory(doc: Record<string, YamlGroup | null>, opts: AgentsFileOptions = {}): AgentTarget[] {
  const src = opts.source ?? 'inventory';
  // Groups are by name: a group listed again under `children` (often as an empty key) is the
  // same group, so collect each name's hosts, vars and child names over all its occurrences.
  const direct = new Map<string, Set<string>>();
  const groupVars = new Map<string, Record<string, string>>();
  const childrenOf = new Map<string, Set<string>>();
  const ownVars = new Map<string, Record<string, string>>();
  const order: string[] = [];
  const visit = (name: string, g: YamlGroup | null, path: string[]): void => {
    if (path.includes(name)) throw ksError('KS_INVALID_ARGUMENT', `${src}: group ${name} contains itself`);
    if (!direct.has(name)) direct.set(name, new Set());
    if (!childrenOf.has(name)) childrenOf.set(name, new Set());
    groupVars.set(name, { ...(groupVars.get(name) ?? {}), ...stringVars(g?.vars) });
    for (const [pattern, hv] of Object.entries(g?.hosts ?? {})) {
      for (const host of expandHostRange(pattern, src)) {
        checkNodeName(host, src);
        direct.get(name)!.add(host);
        if (!ownVars.has(host)) order.push(host);
        ownVars.set(host, { ...(ownVars.get(host) ?? {}), ...stringVars(hv) });
      }
    }
    for (const [child, cg] of Object.entries(g?.children ?? {})) {
      childrenOf.get(name)!.add(child);
      visit(child, cg, [...path, name]);
    }
  };
  for (const [name, g] of Object.entries(doc)) visit(name, g, []);

  const members = (name: string, path: string[] = []): Set<string> => {
    if (path.includes(name)) throw ksError('KS_INVALID_ARGUMENT', `${src}: group ${name} contains itself`);
    const out = new Set(direct.get(name) ?? []);
    for (const c of childrenOf.get(name) ?? []) for (const h of members(c, [...path, name])) out.add(h);
    return out;
  };
  // Depth below the top-level groups: a more specific (deeper) group's vars win, as in Ansible.
  const depth = new Map<string, number>();
  const deepen = (name: string, d: number): void => {
    if ((depth.get(name) ?? -1) >= d) return;
    depth.set(name, d);
    for (const c of childrenOf.get(name) ?? []) deepen(c, d + 1);
  };
  for (const name of Object.keys(doc)) deepen(name, name === 'all' ? 0 : 1);
  const memberSets = new Map([...direct.keys()].map((g) => [g, members(g)]));
  const hostVars = (host: string): Record<string, string> => {
    const groups = [...memberSets].filter(([, m]) => m.has(host)).map(([g]) => g);
    groups.sort((a, b) => (depth.get(a) ?? 0) - (depth.get(b) ?? 0));
    const merged: Record<string, string> = {};
    for (const g of groups) Object.assign(merged, groupVars.get(g));
    return Object.assign(merged, ownVars.get(host));
  };

  let selected = order;
  if (opts.group !== undefined) {
    const m = memberSets.get(opts.group);
    if (!m) throw ksError('KS_INVALID_ARGUMENT', `${src}: no group ${opts.group}`);
    selected = order.filter((h) => m.has(h));
  }
  return selected.map((name) => targetFor(name, hostVars(name), src, opts.port));
}

function stringVars(v: unknown): Record<string, string> {
  if (!v || typeof v !== 'object') return {};
  const out: Record<string, string> = {};
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) if (typeof x === 'string' || typeof x === 'number') out[k] = String(x);
  return out;
}

/** One host's node name and endpoint, from its (merged) variables. */
function targetFor(name: string, vars: Record<string, string>, where: string, defaultPort: number | undefined): AgentTarget {
  // The guard is the Kubernetes node name: the host's kubesweep_node_name when its inventory
  // name differs (the Ansible playbook uses the same variable), else the host name.
  const node = vars.kubesweep_node_name ? unquote(vars.kubesweep_node_name) : name;
  checkNodeName(node, where);
  if (vars.kubesweep_endpoint) return { node, endpoint: checkEndpoint(unquote(vars.kubesweep_endpoint), where) };
  const port = vars.kubesweep_port ? Number(unquote(vars.kubesweep_port)) : (defaultPort ?? DEFAULT_AGENT_PORT);
  if (!Number.isInteger(port) || port < 1 || port > 65535) throw ksError('KS_INVALID_ARGUMENT', `${where}: bad kubesweep_port for ${name}`);
  const host = unquote(vars.ansible_host ?? name);
  return { node, endpoint: checkEndpoint(host.includes(':') ? `[${host}]:${port}` : `${host}:${port}`, where) };
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
  if (!NODE_NAME.test(name) || name.length > 253)
    throw ksError(
      'KS_INVALID_ARGUMENT',
      `${where}: ${JSON.stringify(name)} is not a valid node name (lowercase letters, digits, "-" and ".")`,
    );
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
    if (other)
      throw ksError(
        'KS_INVALID_ARGUMENT',
        `${src}: ${t.node} and ${other} share the endpoint ${t.endpoint}; each node needs its own agent`,
      );
    byNode.set(t.node!, t.endpoint);
    byEndpoint.set(t.endpoint, t.node!);
  }
}
