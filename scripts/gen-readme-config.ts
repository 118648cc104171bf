// The "Configuration reference" table of docs/configuration.md and the commented config file that
// scripts/install.sh writes (scripts/config.example.yaml, from agent/daemon/config-example.ts),
// both rendered from the option table (agent/daemon/options.ts). `npm run gen:readme-config` rewrites them in place;
// test/unit/daemon/options.test.ts fails when either differs.
import { readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { renderConfigExample } from '../agent/daemon/config-example';
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

/** The doc's table: its lines from the header row to the first line that is not a row. */
export function findConfigTable(doc: string): { start: number; end: number; text: string } | undefined {
  const lines = doc.split('\n');
  const section = lines.findIndex((l) => l === '# Configuration reference');
  if (section < 0) return undefined;
  const start = lines.findIndex((l, i) => i > section && l.startsWith('| flag |'));
  if (start < 0) return undefined;
  let end = start;
  while (end < lines.length && lines[end].startsWith('|')) end++;
  return { start, end, text: lines.slice(start, end).join('\n') };
}

export function readmeWithConfigTable(readme: string): string {
  const found = findConfigTable(readme);
  if (!found) throw new Error(`${CONFIG_DOC} has no "# Configuration reference" section with a "| flag |" table`);
  const lines = readme.split('\n');
  lines.splice(found.start, found.end - found.start, renderConfigTable());
  return lines.join('\n');
}

export const CONFIG_EXAMPLE = path.join('scripts', 'config.example.yaml');
/** The configuration reference, whose option table is generated. */
export const CONFIG_DOC = path.join('docs', 'configuration.md');

if (require.main === module) {
  const file = path.join(packageRoot(), CONFIG_DOC);
  const before = readFileSync(file, 'utf8');
  const after = readmeWithConfigTable(before);
  if (after !== before) writeFileSync(file, after);
  process.stdout.write(
    after !== before ? `${CONFIG_DOC}: configuration table updated\n` : `${CONFIG_DOC}: configuration table already current\n`,
  );
  const example = path.join(packageRoot(), CONFIG_EXAMPLE);
  const old = readFileSync(example, { encoding: 'utf8', flag: 'a+' });
  const text = renderConfigExample();
  if (text !== old) writeFileSync(example, text);
  process.stdout.write(text !== old ? `${CONFIG_EXAMPLE}: updated\n` : `${CONFIG_EXAMPLE}: already current\n`);
}
