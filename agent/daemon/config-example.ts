// The commented config file: every option of the table with its help, its type and its default,
// commented out. `kubesweep-agent --print-config` prints it; scripts/install.sh writes it (as
// scripts/config.example.yaml, rendered by npm run gen:readme-config) when there is no config.
import { OPTIONS, type OptionDef } from './options';

/** A value as YAML flow text: strings double-quoted unless plain is safe, lists and maps inline. */
export function yamlFlow(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(yamlFlow).join(', ')}]`;
  if (isRecord(v))
    return `{${Object.entries(v)
      .map(([k, x]) => `${k}: ${yamlFlow(x)}`)
      .join(', ')}}`;
  if (typeof v === 'string')
    return /^[A-Za-z0-9/][A-Za-z0-9_./=@+-]*(:\/\/[A-Za-z0-9_./-]+|:[0-9]+)?$/.test(v) &&
      !/^(true|false|null|yes|no|on|off|~)$/i.test(v) &&
      !/^[0-9.]+$/.test(v)
      ? v
      : JSON.stringify(v);
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
