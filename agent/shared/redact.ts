// Secrets out of command lines. The agent reports, logs and journals the command lines of other
// processes (port owners, shims and their children, netns holders); those are root's processes
// and can carry a database password or a bootstrap token in the clear. Whoever reads the
// report, the log or the journal must not learn them, so every argv is put through
// redactArgv() at the one place the agent reads /proc/PID/cmdline (host/proc.ts): nothing
// downstream ever holds the clear value.
//
// What counts as a secret is decided by the *name* that introduces a value — the last word of
// a flag (`--db-password`, `-Djavax.net.ssl.keyStorePassword`), of an environment-style
// `NAME=value` (`PGPASSWORD=…`) or of a key inside a value (`?password=…`, `;Password=…;`,
// `"token": "…"`) — plus the userinfo of URLs (`postgres://app:…@db`). A name ending in file,
// path or dir introduces a path, which is kept (`--tls-private-key-file=/etc/…`), and so is a
// path given to a key-ish name (`--kubelet-client-key=/etc/kubernetes/pki/…`); booleans stay
// (`--enable-bootstrap-token-auth=true`). Over-redacting a harmless value is the cheap mistake;
// the tests pin both directions on real command-line shapes.

export const REDACTED = '***';

/**
 * The words a secret's name ends with (after splitting on - _ . and camelCase). docs/security.md
 * lists them; test/unit/shared/redact-options.test.ts pins each from a table.
 */
const SECRET_SUFFIX =
  /(password|passwd|passphrase|secret|token|credentials?|creds|apikey|key|requirepass|masterauth|authorization|cookie)$/;
/** Whole words that name a secret on their own (openssl `-pass`, `-passin`). */
const SECRET_WORDS = new Set(['pass', 'passin', 'passout', 'pw']);
/** Words after a secret's name that only say how it is encoded (`--private-key-pem`, `client-key-data`). */
const ENCODING = /^(pem|der|data|b64|base64|raw|hex|value|text|content|contents|str|string)$/;
/** A name ending like this introduces a path, not the secret itself. */
const PATHISH = /(file|path|dir|directory|location)$/;
/** Clients that take `-pSECRET` glued to the flag: the MySQL and MariaDB tools (mysql, mysqldump, mysqlsh, mariadb-dump …). */
const GLUED_P = /^(mysql|mariadb)([-_]?[a-z]+)*$/;

function words(name: string): string[] {
  return name
    .replace(/([a-z0-9])([A-Z])/g, '$1-$2')
    .toLowerCase()
    .split(/[-_.]+/)
    .filter(Boolean);
}

/**
 * Does this name (flag without dashes, environment name, key) introduce a secret value? `flag`:
 * the name is an option's (`--pwd`), not an environment variable's (`PWD`, a directory).
 */
export function isSecretName(name: string, flag = false): boolean {
  const w = words(name);
  while (w.length > 1 && ENCODING.test(w[w.length - 1])) w.pop();
  const last = w[w.length - 1];
  if (!last || PATHISH.test(last)) return false;
  // MYSQL_PWD and --pwd are passwords; PWD and OLDPWD are directories.
  if (last === 'pwd') return flag || w.length > 1;
  // `--auth`, `--basic-auth`, `--proxy-auth` carry credentials; `--enable-bootstrap-token-auth` names a mechanism.
  if (last === 'auth') return w.length === 1 || /^(basic|proxy|http|digest|https)$/.test(w[w.length - 2]);
  return SECRET_SUFFIX.test(last) || SECRET_WORDS.has(last);
}

function looksLikePath(v: string): boolean {
  return /^(\/|\.\.?\/|~\/)[\w.@%+~/:-]*$/.test(v) && (v.slice(1).includes('/') || v.includes('.'));
}

/** Values that stay even after a secret-ish name: booleans, and paths given to a key/cert name. */
function keepValue(name: string, value: string): boolean {
  if (value === '' || value === 'true' || value === 'false') return true;
  const w = words(name);
  return /(key|credentials?|creds)$/.test(w[w.length - 1] ?? '') && looksLikePath(value);
}

const URL_USERINFO = /\b([a-zA-Z][a-zA-Z0-9+.-]*:\/\/)([^\s/@:]*):([^\s/@]*)@/g;
// Go's database/sql MySQL DSN has no scheme: user:pass@tcp(host:3306)/db.
const GO_DSN = /(^|[\s=])([^\s:@/=]+):([^\s@/]+)@(tcp|unix|udp)\(/g;
const EMBEDDED_KV = /(^|[?&;,\s])([A-Za-z_][\w.-]*)(\s*=\s*)([^&;,\s]*)/g;
const JSON_KV = /("([A-Za-z_][\w.-]*)"\s*:\s*")((?:[^"\\]|\\.)*)(")/g;
const AUTH_HEADER = /\b(Bearer|Basic|Token)(\s+)[A-Za-z0-9._~+/=-]{6,}/g;

/** Secrets inside a value: URL userinfo, DSNs, key=value lists, JSON, Authorization headers. */
export function redactEmbedded(s: string): string {
  return s
    .replace(URL_USERINFO, (_m, scheme: string, user: string, pass: string) => (pass === '' ? _m : `${scheme}${user}:${REDACTED}@`))
    .replace(GO_DSN, (_m, pre: string, user: string, _pass: string, proto: string) => `${pre}${user}:${REDACTED}@${proto}(`)
    .replace(EMBEDDED_KV, (m, pre: string, name: string, eq: string, value: string) =>
      isSecretName(name) && !keepValue(name, value) ? `${pre}${name}${eq}${REDACTED}` : m,
    )
    .replace(JSON_KV, (m, head: string, name: string, value: string, tail: string) =>
      isSecretName(name) && !keepValue(name, value) ? `${head}${REDACTED}${tail}` : m,
    )
    .replace(AUTH_HEADER, (_m, scheme: string, sp: string) => `${scheme}${sp}${REDACTED}`);
}

interface WordResult {
  text: string;
  /** The word is a secret flag without `=`: the next word is its value. */
  secretNext: boolean;
}

function redactWord(w: string, program: string): WordResult {
  // --name=value, -name=value, -Dname=value
  let m = /^(-{1,2})([A-Za-z][\w.-]*)=([\s\S]*)$/.exec(w);
  if (m) {
    const [, dashes, name, value] = m as unknown as [string, string, string, string];
    if (isSecretName(name, true) && !keepValue(name, value)) return { text: `${dashes}${name}=${REDACTED}`, secretNext: false };
    // etcdctl --user=root:secret
    if (name === 'user' && value.includes(':') && !value.includes('/'))
      return { text: `${dashes}${name}=${value.slice(0, value.indexOf(':'))}:${REDACTED}`, secretNext: false };
    return { text: `${dashes}${name}=${redactEmbedded(value)}`, secretNext: false };
  }
  // --password VALUE
  m = /^-{1,2}([A-Za-z][\w.-]*)$/.exec(w);
  if (m) {
    if (GLUED_P.test(program) && /^-p./.test(w)) return { text: `-p${REDACTED}`, secretNext: false };
    return { text: w, secretNext: isSecretName(m[1], true) || m[1] === 'user' };
  }
  // NAME=value (environment-style, e.g. `env PGPASSWORD=… psql`, or inside `sh -c "…"`)
  m = /^([A-Za-z_][A-Za-z0-9_.]*)=([\s\S]*)$/.exec(w);
  if (m) {
    const [, name, value] = m as unknown as [string, string, string];
    if (isSecretName(name) && !keepValue(name, value)) return { text: `${name}=${REDACTED}`, secretNext: false };
    return { text: `${name}=${redactEmbedded(value)}`, secretNext: false };
  }
  if (GLUED_P.test(program) && /^-p./.test(w)) return { text: `-p${REDACTED}`, secretNext: false };
  return { text: redactEmbedded(w), secretNext: false };
}

/** The value that follows a secret flag: redacted unless it is the next flag or a boolean. */
function redactFollowing(w: string, flag: string): string {
  if (w.startsWith('-') || w === 'true' || w === 'false') return w;
  const name = flag.replace(/^-+/, '');
  if (name === 'user') return w.includes(':') && !w.includes('/') ? `${w.slice(0, w.indexOf(':'))}:${REDACTED}` : w;
  return keepValue(name, w) ? w : REDACTED;
}

function programOf(argv0: string | undefined): string {
  if (!argv0) return '';
  const base = argv0.slice(argv0.lastIndexOf('/') + 1);
  return base.split(/\s/)[0] ?? '';
}

/** A command line as one string (a `sh -c` script, a joined argv): the same rules word by word. */
export function redactText(text: string): string {
  const withHeaders = text.replace(AUTH_HEADER, (_m, scheme: string, sp: string) => `${scheme}${sp}${REDACTED}`);
  const parts = withHeaders.split(/(\s+)/);
  let program = '';
  let needProgram = true;
  let pendingFlag: string | undefined;
  for (let i = 0; i < parts.length; i += 2) {
    const w = parts[i];
    if (w === '') continue;
    // The program of each simple command in a script: after `;`, `&&`, `|`, past `env`,
    // `exec` and assignments (`MYSQL_PWD=… mysql -p…`).
    if (/^(;|&&|\|\||\|)$/.test(w)) {
      needProgram = true;
      continue;
    }
    if (needProgram && !/^[A-Za-z_]\w*=/.test(w) && !/^(env|exec|sudo|nohup)$/.test(w)) {
      program = programOf(w);
      needProgram = false;
    }
    if (pendingFlag !== undefined) {
      const flag = pendingFlag;
      pendingFlag = undefined;
      const r = redactFollowing(w, flag);
      if (r !== w || !w.startsWith('-')) {
        parts[i] = r;
        continue;
      }
    }
    const r = redactWord(w, program);
    parts[i] = r.text;
    if (r.secretNext) pendingFlag = w;
  }
  return parts.join('');
}

/** argv with every secret value replaced by `***` (same length: one output word per input word). */
export function redactArgv(argv: readonly string[]): string[] {
  const out: string[] = [];
  const program = programOf(argv[0]);
  let pendingFlag: string | undefined;
  for (const w of argv) {
    if (pendingFlag !== undefined) {
      const flag = pendingFlag;
      pendingFlag = undefined;
      const r = redactFollowing(w, flag);
      if (r !== w || !w.startsWith('-')) {
        out.push(/\s/.test(w) && r === w ? redactText(w) : r);
        continue;
      }
    }
    // A word with blanks in it is a script or a header (`sh -c "…"`, `-H "Authorization: …"`).
    if (/\s/.test(w)) {
      out.push(redactText(w));
      continue;
    }
    const r = redactWord(w, program);
    out.push(r.text);
    if (r.secretNext) pendingFlag = w;
  }
  return out;
}
