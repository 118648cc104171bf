// Ansible inventory host ranges: `node[01:10]`, `web[a:f]`, `db[0:20:5]-x`, several ranges in one
// name (`r[1:2]n[01:02]`). The rules are Ansible's, so the hosts the agents file yields are the
// hosts the Kubespray inventory means:
//   - `[begin:end]` or `[begin:end:step]`, both ends included; an empty begin is 0;
//   - a begin with a leading zero sets the width (`[01:10]` → 01 … 10), and then the end must be
//     written with the same width;
//   - single letters make a letter range (`[a:c]` → a b c);
//   - ranges are expanded left to right, the first one outermost.
// Where Ansible would quietly yield no hosts (begin after end, a step of 0 or below) we refuse,
// and so we do past MAX_RANGE_HOSTS: a typo must not become an empty fan-out or a runaway one.
import { ksError } from '../shared/errors';

export const MAX_RANGE_HOSTS = 10_000;

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';

/** The host names `pattern` stands for (itself when it has no range); KS_INVALID_ARGUMENT on a malformed range. */
export function expandHostRange(pattern: string, where: string): string[] {
  let names = [pattern];
  while (names.some((n) => n.includes('['))) {
    const next: string[] = [];
    for (const name of names) {
      if (!name.includes('[')) {
        next.push(name);
        continue;
      }
      const { head, values, tail } = firstRange(name, pattern, where);
      for (const v of values) {
        next.push(head + v + tail);
        if (next.length > MAX_RANGE_HOSTS) throw tooMany(pattern, where);
      }
    }
    names = next;
  }
  return names;
}

function tooMany(pattern: string, where: string): Error {
  return ksError('KS_INVALID_ARGUMENT', `${where}: host range ${pattern} stands for more than ${MAX_RANGE_HOSTS} hosts`);
}

/** The first `[...]` of `name`: the text before it, its values, the text after it. */
function firstRange(name: string, pattern: string, where: string): { head: string; values: string[]; tail: string } {
  const bad = (why: string): Error => ksError('KS_INVALID_ARGUMENT', `${where}: bad host range in ${pattern}: ${why}`);
  const open = name.indexOf('[');
  const close = name.indexOf(']', open);
  if (close < 0) throw bad('"[" without "]"');
  const head = name.slice(0, open);
  const tail = name.slice(close + 1);
  const bounds = name.slice(open + 1, close).split(':');
  if (bounds.length !== 2 && bounds.length !== 3) throw bad('write [begin:end] or [begin:end:step]');
  const [rawBegin, end, rawStep] = bounds as [string, string, string?];
  const begin = rawBegin === '' ? '0' : rawBegin;
  if (end === '') throw bad('the end is missing');
  let step = 1;
  if (rawStep !== undefined) {
    if (!/^\d+$/.test(rawStep) || Number(rawStep) < 1)
      throw bad(`the step must be a whole number of at least 1, got ${JSON.stringify(rawStep)}`);
    step = Number(rawStep);
  }

  if (begin.length === 1 && end.length === 1 && LETTERS.includes(begin) && LETTERS.includes(end)) {
    const b = LETTERS.indexOf(begin);
    const e = LETTERS.indexOf(end);
    if (b > e) throw bad(`${begin} comes after ${end}`);
    const out: string[] = [];
    for (let i = b; i <= e; i += step) out.push(LETTERS[i]);
    return { head, values: out, tail };
  }

  if (!/^\d+$/.test(begin) || !/^\d+$/.test(end)) throw bad('begin and end must both be numbers or both single letters');
  const width = begin.length > 1 && begin.startsWith('0') ? begin.length : 0;
  if (width && end.length !== width) throw bad(`${begin} sets a width of ${width}, so the end must have ${width} digits too`);
  const b = Number(begin);
  const e = Number(end);
  if (b > e) throw bad(`${begin} is after ${end}`);
  if ((e - b) / step >= MAX_RANGE_HOSTS) throw tooMany(pattern, where);
  const out: string[] = [];
  for (let i = b; i <= e; i += step) out.push(width ? String(i).padStart(width, '0') : String(i));
  return { head, values: out, tail };
}
