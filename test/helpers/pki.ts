// Certificates gen-certs.sh does not make, for the TLS failure tests: signed by a gen-certs.sh
// CA with any validity window (expired, not yet valid) and any SANs (a name mismatch). openssl
// 3.0's `x509 -req` cannot set a start date, `openssl ca` can; its database lives in a temp dir.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import path from 'node:path';

export interface SignOptions {
  cn: string;
  /** 'server' (with SANs) or 'client'. */
  usage: 'server' | 'client';
  sans?: string[];
  /** openssl dates: YYYYMMDDHHMMSSZ. */
  notBefore: string;
  notAfter: string;
}

/** An openssl date `days` from now (negative: in the past). */
export function opensslDate(days: number): string {
  return new Date(Date.now() + days * 86_400_000)
    .toISOString()
    .replace(/[-:T]/g, '')
    .replace(/\.\d+Z$/, 'Z');
}

/** Writes `<pki>/<name>.crt` and `<name>.key`, signed by `<pki>/ca.crt`. */
export function signCert(pki: string, name: string, o: SignOptions): void {
  const tmp = mkdtempSync(path.join(pki, '.sign-'));
  try {
    writeFileSync(path.join(tmp, 'index.txt'), '');
    writeFileSync(
      path.join(tmp, 'serial'),
      `${Date.now().toString(16)}${Math.floor(Math.random() * 1e6).toString(16)}`.padStart(16, '0').slice(-16) + '\n',
    );
    const ext =
      o.usage === 'server'
        ? [
            'basicConstraints=CA:FALSE',
            'keyUsage=critical,digitalSignature,keyEncipherment',
            'extendedKeyUsage=serverAuth',
            `subjectAltName=${(o.sans ?? ['DNS:localhost', 'IP:127.0.0.1']).join(',')}`,
          ]
        : ['basicConstraints=CA:FALSE', 'keyUsage=critical,digitalSignature,keyEncipherment', 'extendedKeyUsage=clientAuth'];
    writeFileSync(path.join(tmp, 'ext.cnf'), `${ext.join('\n')}\n`);
    writeFileSync(
      path.join(tmp, 'ca.cnf'),
      [
        '[ ca ]',
        'default_ca = d',
        '[ d ]',
        `database = ${tmp}/index.txt`,
        `serial = ${tmp}/serial`,
        `new_certs_dir = ${tmp}`,
        'default_md = sha256',
        'policy = p',
        '[ p ]',
        'commonName = supplied',
        '',
      ].join('\n'),
    );
    const key = path.join(pki, `${name}.key`);
    execFileSync('openssl', ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', key], { stdio: 'pipe' });
    execFileSync('openssl', ['req', '-new', '-key', key, '-subj', `/CN=${o.cn}`, '-out', path.join(tmp, 'req.csr')], { stdio: 'pipe' });
    execFileSync(
      'openssl',
      [
        'ca',
        '-batch',
        '-notext',
        '-config',
        path.join(tmp, 'ca.cnf'),
        '-cert',
        path.join(pki, 'ca.crt'),
        '-keyfile',
        path.join(pki, 'ca.key'),
        '-in',
        path.join(tmp, 'req.csr'),
        '-out',
        path.join(pki, `${name}.crt`),
        '-startdate',
        o.notBefore,
        '-enddate',
        o.notAfter,
        '-extfile',
        path.join(tmp, 'ext.cnf'),
      ],
      { stdio: 'pipe' },
    );
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}
