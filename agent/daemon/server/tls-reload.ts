// Certificates that can change under a running agent (cert-manager, short-lived certs, a
// revoked client). grpc-js gives each bound TLS port a watcher on its ServerCredentials and
// calls `setSecureContext()` on its http2 server when the credentials publish new options
// (`updateSecureContextOptions`, the hook its certificate-provider credentials use). Node then
// hands the new context to *new* handshakes only: established connections — a reset streaming
// its progress — keep theirs and are never dropped. A new context also has new session-ticket
// keys, so no client can resume its way past a new CA or CRL.
//
// The files are re-read when their directories change (a rename-swap, a Kubernetes secret's
// `..data` symlink flip, an in-place rewrite) and on SIGHUP. A set that does not load (a key
// that is not the certificate's — the usual state halfway through a swap —, a PEM cut short, a
// CRL that does not parse) is logged and the serving material stays; the next change, or a
// retry a moment later, picks up the completed set.
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';
import tls, { type SecureContextOptions } from 'node:tls';
import * as grpc from '@grpc/grpc-js';
import type pino from 'pino';
import { ksError } from '../../shared/errors';

export interface ServerTlsFiles {
  cert: string;
  key: string;
  clientCa: string;
  /** PEM CRL(s) of the client CA: listed client certificates are refused at the handshake. */
  crl?: string;
}

/** mTLS server credentials whose material can be replaced while serving. */
export class ReloadableServerCredentials extends grpc.ServerCredentials {
  constructor(initial: SecureContextOptions) {
    // requestCert + rejectUnauthorized: a handshake without a client certificate signed by
    // the client CA (and not revoked) never completes.
    super({ requestCert: true, rejectUnauthorized: true }, initial);
  }

  /** New handshakes use `options` from now on. */
  publish(options: SecureContextOptions): void {
    this.updateSecureContextOptions(options);
  }

  _equals(other: grpc.ServerCredentials): boolean {
    return other === this;
  }
}

export interface LoadedTls {
  options: SecureContextOptions;
  /** sha256 over every file's bytes: unchanged files are not republished. */
  digest: string;
  summary: { subject: string; notAfter: string; serial: string; crl: boolean };
}

/**
 * Read and check one set of files. Throws KS_CONFIG_INVALID naming the file at fault; the
 * check is `tls.createSecureContext`, the very call the server will make, so a set that
 * passes here cannot fail there (a key that is not the certificate's fails here).
 */
export function loadServerTls(files: ServerTlsFiles, read: (p: string) => Buffer = readFileSync): LoadedTls {
  const get = (what: string, p: string): Buffer => {
    try {
      return read(p);
    } catch (err) {
      throw ksError('KS_CONFIG_INVALID', `cannot read ${what} ${p}: ${(err as Error).message}`, { path: p });
    }
  };
  const cert = get('--tls-cert', files.cert);
  const key = get('--tls-key', files.key);
  const ca = get('--tls-client-ca', files.clientCa);
  const crl = files.crl ? get('--tls-crl', files.crl) : undefined;
  if (crl && !/-----BEGIN X509 CRL-----/.test(crl.toString('latin1'))) {
    throw ksError('KS_CONFIG_INVALID', `--tls-crl ${files.crl} holds no PEM CRL (-----BEGIN X509 CRL-----)`, { path: files.crl });
  }
  const options: SecureContextOptions = { cert, key, ca, ...(crl ? { crl } : {}) };
  try {
    tls.createSecureContext(options);
  } catch (err) {
    const why = (err as Error).message;
    const which = /key values mismatch|KEY_VALUES_MISMATCH/i.test(why)
      ? `--tls-key ${files.key} is not the key of --tls-cert ${files.cert}`
      : `unusable TLS files (--tls-cert ${files.cert}, --tls-key ${files.key}, --tls-client-ca ${files.clientCa}${files.crl ? `, --tls-crl ${files.crl}` : ''})`;
    throw ksError('KS_CONFIG_INVALID', `${which}: ${why}`, {});
  }
  let summary: LoadedTls['summary'] = { subject: '?', notAfter: '?', serial: '?', crl: !!crl };
  try {
    const x = new X509Certificate(cert);
    summary = { subject: x.subject.replace(/\n/g, ','), notAfter: new Date(x.validTo).toISOString(), serial: x.serialNumber, crl: !!crl };
  } catch {
    /* createSecureContext accepted it; the summary is only for the log */
  }
  const h = createHash('sha256');
  for (const b of [cert, key, ca, crl ?? Buffer.alloc(0)]) h.update(createHash('sha256').update(b).digest());
  return { options, digest: h.digest('hex'), summary };
}

export interface TlsReloaderDeps {
  files: ServerTlsFiles;
  log: pino.Logger;
  /** Quiet time after the last file event before re-reading (a swap is several events). */
  debounceMs?: number;
  /** Retry after a set that did not load (halfway through a non-atomic swap). */
  retryMs?: number;
  onReload?: (result: 'reloaded' | 'unchanged' | 'failed', ms: number, serving: LoadedTls['summary']) => void;
}

/** The credentials of every TLS listener, their files watched; `reload()` is also SIGHUP's. */
export class TlsReloader {
  readonly credentials: ReloadableServerCredentials;
  private current: LoadedTls;
  private readonly watchers: FSWatcher[] = [];
  private timer: NodeJS.Timeout | undefined;
  private retry: NodeJS.Timeout | undefined;
  private closed = false;

  /** Throws KS_CONFIG_INVALID when the files do not load now (the agent does not start). */
  constructor(private readonly deps: TlsReloaderDeps) {
    this.current = loadServerTls(deps.files);
    this.credentials = new ReloadableServerCredentials(this.current.options);
  }

  get summary(): LoadedTls['summary'] {
    return this.current.summary;
  }

  /** Watch the files' directories: a rename into place changes the directory, not the old inode. */
  watch(): void {
    const f = this.deps.files;
    const dirs = new Set([f.cert, f.key, f.clientCa, ...(f.crl ? [f.crl] : [])].map((p) => path.dirname(p)));
    for (const dir of dirs) {
      try {
        const w = watch(dir, { persistent: false }, () => this.schedule());
        w.on('error', (err) => this.deps.log.warn({ err, dir }, 'tls: cannot watch certificate directory; reload with SIGHUP'));
        this.watchers.push(w);
      } catch (err) {
        this.deps.log.warn({ err, dir }, 'tls: cannot watch certificate directory; reload with SIGHUP');
      }
    }
  }

  private schedule(): void {
    if (this.closed) return;
    clearTimeout(this.timer);
    this.timer = setTimeout(() => void this.reload('files changed'), this.deps.debounceMs ?? 100);
  }

  /** Re-read the files; publish them when they changed and load. Never throws. */
  reload(why: string): 'reloaded' | 'unchanged' | 'failed' {
    if (this.closed) return 'unchanged';
    clearTimeout(this.retry);
    const t0 = performance.now();
    let result: 'reloaded' | 'unchanged' | 'failed';
    try {
      const next = loadServerTls(this.deps.files);
      if (next.digest === this.current.digest) {
        result = 'unchanged';
      } else {
        this.credentials.publish(next.options);
        const previous = this.current.summary;
        this.current = next;
        result = 'reloaded';
        this.deps.log.info(
          { tls: 'reloaded', why, previous, now: next.summary, ms: Math.round(performance.now() - t0) },
          'tls: new certificates in use for new connections',
        );
      }
    } catch (err) {
      result = 'failed';
      this.deps.log.warn(
        { tls: 'reload-failed', why, err: { message: (err as Error).message } },
        'tls: certificate files did not load; still serving the previous ones',
      );
      // One retry: a swap that was caught halfway is complete by then; a set that is broken
      // for good waits for the next change or SIGHUP instead of filling the log.
      if (why !== 'retry') this.retry = setTimeout(() => void this.reload('retry'), this.deps.retryMs ?? 2000);
    }
    this.deps.onReload?.(result, performance.now() - t0, this.current.summary);
    return result;
  }

  close(): void {
    this.closed = true;
    clearTimeout(this.timer);
    clearTimeout(this.retry);
    for (const w of this.watchers) w.close();
  }
}
