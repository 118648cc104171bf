// The README's "Configuration reference" table and the commented config file that
// scripts/install.sh writes (scripts/config.example.yaml), both rendered from the option table
// (agent/daemon/options.ts). `npm run gen:readme-config` rewrites them in place;
// test/unit/daemon/options.test.ts fails when either differs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { OPTIONS, type OptionDef } from '../agent/daemon/options';
import { packageRoot } from '../agent/shared/paths';

const HEADER = ['| flag | config key | type | default | what |', '|---|---|---|---|---|'];

export function renderConfigTable(): string {
  const cell = (s: string): string => s.replace(/\|/g, '\\|');
  const rows = (Object.values(OPTIONS) as OptionDef<unknown>[]).map((d) => {
    const flag = d.flag === undefined ? '—' : `\`--${d.flag}\`${d.repeatable ? ' (repeatable)' : ''}`;
    const def = d.defaultText ?? mdValue(d.default);
    return `| ${flag} | \`${d.file}\` | ${cell(d.type)} | ${cell(def)} | ${cell(d.help)} |`;
  });
  return [...HEADER, ...rows].join('\n');
}

function mdValue(v: unknown): string {
  if (v === undefined) return '—';
  if (Array.isArray(v)) return v.length ? v.map(mdValue).join(', ') : '(none)';
  if (typeof v === 'number') return String(v);
  if (typeof v === 'string') return `\`${v === '' ? '""' : v}\``;
  return `\`${JSON.stringify(v)}\``;
}

/** The README's table: its lines from the header row to the first line that is not a row. */
export function findConfigTable(readme: string): { start: number; end: number; text: string } | undefined {
  const lines = readme.split('\n');
  const section = lines.findIndex((l) => l === '## Configuration reference');
  if (section < 0) return undefined;
  const start = lines.findIndex((l, i) => i > section && l.startsWith('| flag |'));
  if (start < 0) return undefined;
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  return { start, end, text: lines.slice(start, end).join('\n') };
}

export function readmeWithConfigTable(readme: string): string {
  const found = findConfigTable(readme);
  if (!found) throw new Error('README.md has no "## Configuration reference" section with a "| flag |" table');
  const lines = readme.split('\n');
  lines.splice(found.start, found.end - found.start, renderConfigTable());
  return lines.join('\n');
}

export const CONFIG_EXAMPLE = path.join('scripts', 'config.example.yaml');

/** A value as YAML flow text: strings double-quoted unless plain is safe, lists and maps inline. */
export function yamlFlow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(yamlFlow).join(', ')}]`;
  if (isRecord(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${yamlFlow(x)}`)
      .join(', ')}}`;
  if (typeof v === 'string') return /^[A-Za-z0-9/][A-Za-z0-9_./=@+-]*(:\/\/[A-Za-z0-9_./-]+|:[0-9]+)?$/.test(v) && !/^(true|false|null|yes|no|on|off|~)$/i.test(v) && !/^[0-9.]+$/.test(v) ? v : JSON.stringify(v);
  return JSON.stringify(v);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/** Comment lines of at most `width` columns, each starting with `prefix`. */
function wrap(text: string, prefix: string, width = 100): string[] {
  const out: string[] = [];
  let line = '';
  for (const word of text.split(/\s+/).filter(Boolean)) {
    if (line && prefix.length + line.length + 1 + word.length > width) {
      out.push(prefix + line);
      line = word;
    } else line = line ? `${line} ${word}` : word;
  }
  if (line) out.push(prefix + line);
  return out;
}

/**
 * The config file install.sh writes when there is none: every option with its help, its type and
 * its default, commented out. An option without a default, or whose default is the host's, shows a
 * `<placeholder>`; every other value line, uncommented, gives exactly the default.
 */
export function renderConfigExample(): string {
  const plain = (s: string): string => s.replace(/`/g, '');
  const lines = [
    '# kubesweep-agent configuration (YAML). Every option is listed with its help and its default,',
    '# commented out: uncomment and edit what you change. Command-line flags override this file.',
    '# Check your edits with: kubesweep-agent --config FILE --check-config',
    '# (Rendered from the option table, agent/daemon/options.ts, by npm run gen:readme-config.)',
  ];
  const groupsShown = new Set<string>();
  for (const d of Object.values(OPTIONS) as OptionDef<unknown>[]) {
    const dot = d.file.indexOf('.');
    const group = dot > 0 ? d.file.slice(0, dot) : undefined;
    const key = group ? d.file.slice(dot + 1) : d.file;
    const indent = group ? '  ' : '';
    if (group && !groupsShown.has(group)) {
      groupsShown.add(group);
      lines.push('#', `# ${group}:`);
    } else if (!group) lines.push('#');
    const value = d.fileDefault ?? d.default;
    const shown = d.perHost || value === undefined ? `<${(d.defaultText ?? d.arg ?? 'value').toLowerCase()}>` : yamlFlow(value);
    const flag = d.flag ? ` Flag --${d.flag}.` : '';
    const def = d.perHost ? ` By default the ${d.defaultText ?? 'host'}.` : value === undefined ? ' No default.' : '';
    lines.push(...wrap(`${plain(d.help)} (${plain(d.type)}).${def}${flag}`, group ? `# ${indent}# ` : '# '), `# ${indent}${key}: ${shown}`);
  }
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  const file = path.join(packageRoot(), 'README.md');
  const before = readFileSync(file, 'utf8');
  const after = readmeWithConfigTable(before);
  if (after !== before) writeFileSync(file, after);
  process.stdout.write(after !== before ? 'README.md: configuration table updated\n' : 'README.md: configuration table already current\n');
  const example = path.join(packageRoot(), CONFIG_EXAMPLE);
  const old = readFileSync(example, { encoding: 'utf8', flag: 'a+' });
  const text = renderConfigExample();
  if (text !== old) writeFileSync(example, text);
  process.stdout.write(text !== old ? `${CONFIG_EXAMPLE}: updated\n` : `${CONFIG_EXAMPLE}: already current\n`);
}
