// Secret redaction on command-line shapes of the programs a node runs (fixture:
// test/fixtures/redact/cmdlines.json): secrets become ***, and — as important on a control-plane
// node — key *paths*, booleans, durations, shim and image arguments stay exactly as they were.
import { readFileSync } from 'node:fs';
import path from 'node:path';
import t from 'tap';
import { isSecretName, REDACTED, redactArgv, redactText } from '../../../agent/shared/redact';

const FIX = JSON.parse(readFileSync(path.join(__dirname, '../../fixtures/redact/cmdlines.json'), 'utf8')) as {
  cases: { what: string; argv: string[]; expected: string[] }[];
};

t.test('fixture command lines', async (t) => {
  t.ok(FIX.cases.length >= 20);
  for (const c of FIX.cases) {
    const out = redactArgv(c.argv);
    t.same(out, c.expected, c.what);
    t.equal(out.length, c.argv.length, `${c.what}: one word out per word in`);
    // Whatever the rules, no clear secret survives in the joined line either.
    for (const secret of [
      'hunter2',
      'hunter3',
      's3cr3t',
      'changeit',
      'wJalrXUtnFEMI',
      'ZXhhbXBsZS1hcHAtc2VjcmV0',
      '0123456789abcdef',
      'eyJhbGciOiJSUzI1NiIs',
      'ghp_16C7e42F',
    ]) {
      t.notOk(out.join(' ').includes(secret), `${c.what}: no ${secret}`);
    }
  }
});

t.test('the joined form (a line already joined, a shell script) gets the same treatment', async (t) => {
  for (const c of FIX.cases) {
    if (c.argv.some((w) => /\s/.test(w))) continue; // joining would merge words
    t.equal(redactText(c.argv.join(' ')), c.expected.join(' '), c.what);
  }
});

t.test('names', async (t) => {
  for (const n of [
    'password',
    'db-password',
    'DB_PASSWORD',
    'PGPASSWORD',
    'passwd',
    'client-secret',
    'token',
    'bootstrap-token',
    'apiKey',
    'api_key',
    'secret-access-key',
    'credentials',
    'keyStorePassword',
    'pass',
    'requirepass',
    'MYSQL_PWD',
  ]) {
    t.ok(isSecretName(n), `${n} is secret`);
  }
  for (const n of [
    'tls-private-key-file',
    'etcd-keyfile',
    'token-auth-file',
    'password-file',
    'POSTGRES_PASSWORD_FILE',
    'enable-bootstrap-token-auth',
    'service-account-max-token-expiration',
    'user',
    'discovery-token-ca-cert-hash',
    'keys-dir',
    'bypass',
    'kubeconfig',
    'PWD',
    'OLDPWD',
  ]) {
    t.notOk(isSecretName(n), `${n} is not secret`);
  }
});

t.test('edges', async (t) => {
  t.same(redactArgv([]), []);
  t.same(redactArgv(['--password']), ['--password'], 'a secret flag at the end has no value to hide');
  t.same(redactArgv(['--password', '--next']), ['--password', '--next'], 'the next flag is not the value');
  t.same(redactArgv(['--password=']), ['--password='], 'empty value');
  t.same(redactArgv(['--secret=/run/secrets/x']), [`--secret=${REDACTED}`], 'a path after a non-key secret name is still hidden');
  t.same(redactArgv(['x', 'https://user@host/']), ['x', 'https://user@host/'], 'a user without password stays');
  t.same(redactArgv(['x', 'https://u:p@h/a', 'ftp://a:b@c']), ['x', `https://u:${REDACTED}@h/a`, `ftp://a:${REDACTED}@c`]);
  t.equal(
    redactText('MYSQL_PWD=x mysql -uroot -phunter2 app; echo done'),
    `MYSQL_PWD=${REDACTED} mysql -uroot -p${REDACTED} app; echo done`,
    'the program of a script command is found past assignments',
  );
  t.same(redactArgv(['grep', '-p1']), ['grep', '-p1'], 'glued -p only for mysql clients');
});
