// The documented list of secret-bearing option names (docs/security.md, "What is redacted"),
// one row each: the `--name=value` form, the `--name value` form, and — for the MySQL/MariaDB
// tools — the glued `-pSECRET`. Each row also says what must stay (a path, a boolean).
import t from 'tap';
import { redactArgv } from '../../../agent/shared/redact';

const SECRET = 'hunter2-Zq9';

/** Option names whose value is a secret (the last word decides; encodings like -pem, -data are looked past). */
const SECRET_OPTIONS = [
  'password',
  'db-password',
  'passwd',
  'passphrase',
  'pass',
  'passin',
  'passout',
  'pw',
  'pwd',
  'secret',
  'client-secret',
  'token',
  'bootstrap-token',
  'credentials',
  'creds',
  'apikey',
  'api-key',
  'key',
  'private-key',
  'private-key-pem',
  'client-key-data',
  'access-key',
  'requirepass',
  'masterauth',
  'auth',
  'basic-auth',
  'proxy-auth',
  'authorization',
  'cookie',
  'keyStorePassword',
];

/** Names that look close but carry no secret: kept as they are. */
const KEPT: [string, string][] = [
  ['--enable-bootstrap-token-auth=true', 'a boolean'],
  ['--token-auth-file=/etc/kubernetes/tokens.csv', 'a file name'],
  ['--tls-private-key-file=/etc/kubernetes/pki/apiserver.key', 'a key *file*'],
  ['--kubelet-client-key=/etc/kubernetes/pki/kubelet.key', 'a path given to a key name'],
  ['--tls-cert-pem=-----BEGIN', 'a certificate is public'],
  ['--authorization-mode=Node,RBAC', 'a mode'],
  ['--anonymous-auth=false', 'a boolean'],
];

/** Programs known to take `-pSECRET` glued. */
const GLUED = [
  'mysql',
  'mysqldump',
  'mysqladmin',
  'mysqlsh',
  'mysqlslap',
  'mysqlbinlog',
  'mysqlpump',
  'mysql_upgrade',
  'mariadb',
  'mariadb-dump',
  'mariadb-admin',
  '/usr/bin/mysql',
];

t.test('every documented secret option, in both forms', async (t) => {
  for (const name of SECRET_OPTIONS) {
    t.same(redactArgv(['app', `--${name}=${SECRET}`]), ['app', `--${name}=***`], `--${name}=…`);
    t.same(redactArgv(['app', `--${name}`, SECRET, '--next']), ['app', `--${name}`, '***', '--next'], `--${name} …`);
    t.same(redactArgv(['app', `-${name}=${SECRET}`]), ['app', `-${name}=***`], `-${name}=…`);
  }
});

t.test('look-alike options that carry no secret are kept', async (t) => {
  for (const [arg, why] of KEPT) t.same(redactArgv(['kube-apiserver', arg]), ['kube-apiserver', arg], `${arg}: ${why}`);
});

t.test('glued -pSECRET for the programs that take it, and only for them', async (t) => {
  for (const prog of GLUED) t.same(redactArgv([prog, '-uroot', `-p${SECRET}`, 'db']), [prog, '-uroot', '-p***', 'db'], prog);
  t.same(redactArgv(['sh', '-c', `mysql -p${SECRET} db`]), ['sh', '-c', 'mysql -p*** db'], 'inside a script');
  t.same(redactArgv(['ssh', '-p2222', 'host']), ['ssh', '-p2222', 'host'], 'ssh -p is a port');
  t.same(redactArgv(['PWD=/root', 'ls']), ['PWD=/root', 'ls'], 'the PWD environment variable is a directory');
});
