// What kubesweep prints for people, it prints inert. Command lines, pod and file names, error
// messages: any local user can put bytes there, and an escape sequence reaching root's terminal
// can erase or forge table lines, set the window title or write the clipboard (OSC 52); a bidi
// override makes text read backwards. So every control character (C0, DEL, C1) is shown as
// `\xHH`, and every invisible format character that reorders or hides text (bidi embeddings,
// overrides and isolates, zero-width marks, the BOM) as `\uHHHH`. One function, used by the
// client for everything it formats for people and by the agent for names it echoes; `--json`
// output is exact JSON and needs none of it (JSON escapes control characters itself).

// C0 and DEL and C1; U+061C ALM, U+200B–U+200F, U+202A–U+202E, U+2060–U+2064, U+2066–U+2069, U+FEFF.
// eslint-disable-next-line no-control-regex -- finding control characters is the point
const UNSAFE = /[\u0000-\u001f\u007f-\u009f\u061c\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff]/g;

/** `s` with every control and bidi/invisible format character escaped. */
export function terminalSafe(s: string): string {
  return s.replace(UNSAFE, (ch) => {
    const code = ch.charCodeAt(0);
    return code <= 0xff ? `\\x${code.toString(16).padStart(2, '0')}` : `\\u${code.toString(16).padStart(4, '0')}`;
  });
}

/**
 * A decoded message with every string terminalSafe: objects (own enumerable fields, copied into
 * plain objects) and arrays are walked; bytes and dates are kept as they are.
 */
export function terminalSafeDeep<T>(value: T): T {
  if (typeof value === 'string') return terminalSafe(value) as T;
  if (Array.isArray(value)) return value.map((v: unknown) => terminalSafeDeep(v)) as T;
  if (value !== null && typeof value === 'object' && !(value instanceof Uint8Array) && !(value instanceof Date)) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = terminalSafeDeep(v);
    return out as T;
  }
  return value;
}
