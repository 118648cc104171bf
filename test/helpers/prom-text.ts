// A strict reader of the Prometheus text exposition format (version 0.0.4): every line must be
// a HELP/TYPE comment or a sample; samples must belong to a declared family; values must be
// numbers. Returns the samples so tests can assert on them.
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

const NAME = '[a-zA-Z_:][a-zA-Z0-9_:]*';
const LABEL = '[a-zA-Z_][a-zA-Z0-9_]*';
const SAMPLE_RE = new RegExp(`^(${NAME})(?:\\{((?:${LABEL}="(?:[^"\\\\\\n]|\\\\.)*"(?:,)?)*)\\})? (\\S+)(?: (-?\\d+))?$`);
const TYPES = new Set(['counter', 'gauge', 'histogram', 'summary', 'untyped']);

export function parsePromText(text: string): { samples: Sample[]; types: Map<string, string> } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  text.split('\n').forEach((line, i) => {
    const where = `line ${i + 1}: ${line.slice(0, 120)}`;
    if (line === '') return;
    if (line.startsWith('#')) {
      const m = new RegExp(`^# (HELP|TYPE) (${NAME}) (.*)$`).exec(line);
      if (!m) throw new Error(`bad comment, ${where}`);
      if (m[1] === 'TYPE') {
        if (!TYPES.has(m[3])) throw new Error(`bad type, ${where}`);
        types.set(m[2], m[3]);
      }
      return;
    }
    const m = SAMPLE_RE.exec(line);
    if (!m) throw new Error(`bad sample, ${where}`);
    const [, name, labelText, valueText] = m;
    const family = [...types.keys()].find((f) => name === f || name.startsWith(`${f}_`));
    if (!family) throw new Error(`sample without a TYPE, ${where}`);
    // Prometheus reads values with Go's ParseFloat: NaN/Inf in any case (prom-client prints "Nan").
    const special = /^([+-]?)(inf|infinity|nan)$/i.exec(valueText);
    const value = special ? (special[2].toLowerCase() === 'nan' ? NaN : special[1] === '-' ? -Infinity : Infinity) : Number(valueText);
    if (Number.isNaN(value) && !special) throw new Error(`bad value, ${where}`);
    const labels: Record<string, string> = {};
    for (const lm of (labelText ?? '').matchAll(new RegExp(`(${LABEL})="((?:[^"\\\\]|\\\\.)*)"`, 'g'))) labels[lm[1]] = lm[2];
    samples.push({ name, labels, value });
  });
  return { samples, types };
}
