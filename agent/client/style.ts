// Colours (picocolors, only when asked or on a TTY without NO_COLOR) and tables (cli-table3,
// drawn without its own colours so that plain output stays plain).
import Table from 'cli-table3';
import { createColors } from 'picocolors';

export type Colors = ReturnType<typeof createColors>;

export interface Style {
  color: boolean;
  c: Colors;
  /** Unicode symbols on a UTF-8 terminal; ASCII elsewhere. */
  sym: { ok: string; fail: string; warn: string; step: string; dot: string };
}

export function colorWanted(mode: boolean | 'auto', isTTY: boolean, env: NodeJS.ProcessEnv = process.env): boolean {
  if (mode !== 'auto') return mode;
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '0') return true;
  return isTTY && env.TERM !== 'dumb';
}

export function makeStyle(color: boolean): Style {
  return {
    color,
    c: createColors(color),
    sym: { ok: '✓', fail: '✗', warn: '!', step: '▸', dot: '·' },
  };
}

/** A table as text. `head` cells are bold when colour is on. */
export function table(style: Style, head: string[], rows: (string | number)[][]): string {
  const t = new Table({
    head: head.map((h) => style.c.bold(h)),
    style: { head: [], border: [], compact: true },
    wordWrap: false,
  });
  for (const r of rows) t.push(r.map((v) => String(v)));
  return t.toString();
}

/** Two columns, no header: key/value facts. */
export function keyValues(style: Style, rows: [string, string | number][]): string {
  const t = new Table({ style: { head: [], border: [] } });
  for (const [k, v] of rows) t.push({ [style.c.bold(k)]: String(v) });
  return t.toString();
}

export { shortId, truncate } from '../shared/describe';

export function seconds(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${(ms / 1000).toFixed(1)} s`;
}

export function bytes(n: number): string {
  if (n < 1024) return `${n} B`;
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(1)} GiB`;
}
