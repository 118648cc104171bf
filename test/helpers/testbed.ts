import { existsSync, readdirSync, readFileSync } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
// Test helper: one private containerd per test file, torn down even when a test fails.
import type { Test } from 'tap';
import { CNI_CACHE_RESULTS_DIR, Testbed, TestbedOptions } from '../../scripts/testbed/testbed';

export async function withTestbed(t: Test, opts: Omit<TestbedOptions, 'log'> = {}): Promise<Testbed> {
  const tb = await Testbed.start({ ...opts, log: (m) => t.comment(m) });
  t.teardown(async () => {
    const report = await tb.teardown();
    if (report.problems.length) t.comment(`testbed teardown problems: ${report.problems.join('; ')}`);
  });
  return tb;
}

/** Resolves true when a TCP port on 127.0.0.1 can be bound (and releases it). */
export async function canBind(port: number, host = '127.0.0.1'): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = net.createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ port, host, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** A port that is free right now, in a range nothing on the machine is likely to use. */
export async function freePort(): Promise<number> {
  for (let i = 0; i < 100; i++) {
    // Below the kernel's ephemeral range (32768+), so an outgoing connection cannot take it meanwhile.
    const p = 20000 + Math.floor(Math.random() * 12000);
    if (await canBind(p)) return p;
  }
  throw new Error('no free port found');
}

export async function waitFor<T>(
  what: string,
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 15000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Hold a loopback port from this test process (something no reset can remove) until teardown. */
/**
 * A free port, held by this test process until teardown: chosen and bound in one step, so a test
 * file running beside this one cannot take it between the choice and the bind (CI saw exactly that
 * when the two were seconds apart: EADDRINUSE).
 */
export async function heldPort(t: Test): Promise<number> {
  for (let i = 0; i < 100; i++) {
    const p = 20000 + Math.floor(Math.random() * 12000);
    try {
      await holdPort(t, p);
      return p;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE') throw err;
    }
  }
  throw new Error('no free port found');
}

export async function holdPort(t: Test, port: number): Promise<void> {
  const srv = net.createServer();
  await new Promise<void>((resolve, reject) => {
    srv.once('error', reject);
    srv.listen({ port, host: '127.0.0.1' }, resolve);
  });
  t.teardown(() => new Promise<void>((r) => srv.close(() => r())));
}

/** The machine's libcni cache files that record a netns under dir (a testbed's own). */
export function cniCacheFilesOf(dir: string): string[] {
  if (!existsSync(CNI_CACHE_RESULTS_DIR)) return [];
  return readdirSync(CNI_CACHE_RESULTS_DIR).filter((n) => {
    try {
      return readFileSync(path.join(CNI_CACHE_RESULTS_DIR, n), 'utf8').includes(`"${dir}/`);
    } catch {
      return false;
    }
  });
}
