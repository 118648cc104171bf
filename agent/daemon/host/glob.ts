// Shell-style name patterns (fnmatch without path semantics): `*`, `?`, `[abc]`, `[a-z]`,
// `[!x]`. Used for link names and CNI config file names, which never contain a slash.

/** Compile one pattern; throws on an unterminated `[`. */
export function globToRegExp(glob: string): RegExp {
  let re = '^';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i];
    if (c === '*') re += '.*';
    else if (c === '?') re += '.';
    else if (c === '[') {
      const end = glob.indexOf(']', i + 2);
      if (end < 0) throw new Error(`unterminated [ in pattern ${JSON.stringify(glob)}`);
      let body = glob.slice(i + 1, end);
      const negate = body.startsWith('!') || body.startsWith('^');
      if (negate) body = body.slice(1);
      re += `[${negate ? '^' : ''}${body.replace(/[\\\]^]/g, (m) => `\\${m}`)}]`;
      i = end;
    } else re += c.replace(/[.+^${}()|\\/]/g, (m) => `\\${m}`);
  }
  return new RegExp(re + '$');
}

/** Problems with a pattern list (for config validation), empty when all compile. */
export function globProblems(globs: readonly unknown[]): string[] {
  const out: string[] = [];
  for (const g of globs) {
    if (typeof g !== 'string' || g === '') out.push(`pattern ${JSON.stringify(g)} must be a non-empty string`);
    else if (g.includes('/')) out.push(`pattern ${JSON.stringify(g)} must not contain /`);
    else {
      try {
        globToRegExp(g);
      } catch (err) {
        out.push((err as Error).message);
      }
    }
  }
  return out;
}

/** A matcher for a list of patterns: the first pattern that matches, or undefined. */
export function globMatcher(globs: readonly string[]): (name: string) => string | undefined {
  const compiled = globs.map((g) => ({ g, re: globToRegExp(g) }));
  return (name) => compiled.find((c) => c.re.test(name))?.g;
}
