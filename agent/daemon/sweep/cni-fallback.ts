// The CNI teardown fallback: how a sandbox whose network DEL fails (Calico on a node that
// remove-node.yml has deleted: "connection is unauthorized") or hangs still leaves the CRI.
//
// containerd 1.6/1.7 runs the network's DEL on every StopPodSandbox — RemovePodSandbox stops
// first — and with an empty netns path once the netns is gone, so the sandbox stays NOTREADY
// however often it is asked. The DEL always runs the network containerd has loaded *now*, not
// the one the pod was created with. So, for the sandboxes that failed only:
//   1. ask containerd (Status, verbose) which conf dir it loads; refuse unless it is the
//      configured --cni-conf-dir;
//   2. journal the file we are about to write (durably), then put the teardown-only config
//      (host/teardown-conf.ts: a `loopback` network, sorting first) into that dir;
//   3. wait until containerd reports it loaded exactly that network — never guess with a sleep;
//   4. remove those sandboxes (RemovePodSandbox stops them first: their DEL now succeeds and
//      tears nothing down);
//   5. remove the file, journal it, and wait until containerd reports its own networks again;
//   6. release the host-local reservations (--cni-ipam-dir) the skipped DEL would have released.
// Nothing else in the conf dir is opened, moved or removed, so the dir ends byte-identical.
// A crash between 2 and 5 leaves a 'placing' record: repairCniFallback (agent start and every
// run) takes the file out again.
import { realpathSync } from 'node:fs';
import type { Logger } from 'pino';
import type { CriClient } from '../cri/client';
import { LoadedCniConfig, parseCniTeardownError, parseLoadedCniConfig } from '../cri/cni';
import { isTeardownConfName, PlacedConf, placeTeardownConf, removeTeardownConf, TEARDOWN_NETWORK } from '../host/teardown-conf';
import { findReservations, releaseReservation } from '../host/ipam';
import { isKubesweepError } from '../../shared/errors';
import { appendJournal, readJournal } from './journal';
import type { Outcome } from './types';

export interface FallbackTarget {
  sandboxId: string;
  /** Why its own stop failed (the CNI error, or the deadline of a hanging DEL). */
  failure: string;
}

/** The part of a StepRecorder the fallback writes to: its items are the step's items. */
export interface FallbackRecorder {
  record(action: string, target: string, outcome: Outcome, durationMs: number, message?: string): void;
  readonly aborted: boolean;
}

export interface FallbackContext {
  cri: CriClient;
  log: Logger;
  stateDir: string;
  runId: string;
  /** containerd's CNI conf dir as configured; '' = the fallback is off. */
  cniConfDir: string;
  /** host-local's dataDir as configured; '' = reservations are reported, not released. */
  cniIpamDir: string;
  criTimeoutMs: number;
  rec: FallbackRecorder;
  /** How long containerd gets to reload its conf dir (inotify; milliseconds in practice). */
  loadTimeoutMs?: number;
}

export const CNI_LOAD_TIMEOUT_MS = 10_000;

/**
 * Does this RemovePodSandbox error call for the fallback? A CNI teardown failure always does (it
 * is deterministic); a deadline does for a sandbox with its own netns (a DEL that hangs).
 */
export function cniFallbackReason(err: unknown, hostNetwork: boolean): string | undefined {
  const msg = (err as Error | undefined)?.message ?? '';
  const cni = parseCniTeardownError(msg);
  if (cni) {
    const who = cni.plugin ? `plugin type="${cni.plugin}"` : 'the CNI';
    return cni.kind === 'killed'
      ? `CNI DEL hung: ${who} was killed at the call's deadline`
      : `CNI DEL failed: ${who}: ${cni.pluginMessage}`;
  }
  if (!hostNetwork && isKubesweepError(err, 'KS_CRI_DEADLINE')) return `CNI DEL hung: ${msg}`;
  return undefined;
}

/** Retry policy for sandbox calls: a CNI teardown failure is deterministic, never retried. */
export function isDeterministicCniError(err: unknown): boolean {
  return parseCniTeardownError((err as Error | undefined)?.message ?? '') !== undefined;
}

async function loadedConfig(cri: CriClient, timeoutMs: number): Promise<LoadedCniConfig | undefined> {
  const st = await cri.status(true, { timeoutMs });
  return parseLoadedCniConfig(st.info ?? {});
}

async function waitLoaded(
  cri: CriClient,
  want: (c: LoadedCniConfig) => boolean,
  timeoutMs: number,
  callTimeoutMs: number,
): Promise<LoadedCniConfig | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: LoadedCniConfig | undefined;
  for (;;) {
    last = await loadedConfig(cri, callTimeoutMs).catch(() => last);
    if (last && want(last)) return last;
    if (Date.now() > deadline) return undefined;
    await new Promise((r) => setTimeout(r, 50));
  }
}

function sameDir(a: string, b: string): boolean {
  const real = (p: string) => {
    try {
      return realpathSync(p);
    } catch {
      return p;
    }
  };
  return real(a) === real(b);
}

const sameList = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((x, i) => x === b[i]);

/** Run the fallback for `targets`; returns the sandbox ids it removed from the CRI. */
export async function runCniFallback(targets: readonly FallbackTarget[], ctx: FallbackContext): Promise<Set<string>> {
  const removed = new Set<string>();
  if (targets.length === 0) return removed;
  const { cri, rec } = ctx;
  const callMs = Math.min(ctx.criTimeoutMs, 15_000);
  const loadMs = ctx.loadTimeoutMs ?? CNI_LOAD_TIMEOUT_MS;
  const giveUp = (why: string) => {
    for (const t of targets) rec.record('remove-sandbox', t.sandboxId, 'failed', 0, `${t.failure}; the CNI fallback was not used: ${why}`);
    return removed;
  };
  if (!ctx.cniConfDir) return giveUp('no CNI conf dir is configured (--cni-conf-dir)');
  if (rec.aborted) return giveUp('the run was aborted');
  const t0 = Date.now();
  let before: LoadedCniConfig | undefined;
  try {
    before = await loadedConfig(cri, callMs);
  } catch (err) {
    return giveUp(`containerd's status could not be read: ${(err as Error).message}`);
  }
  if (!before) return giveUp('containerd does not report its loaded CNI config (Status verbose has no cniconfig)');
  if (!sameDir(before.confDir, ctx.cniConfDir))
    return giveUp(
      `containerd loads CNI config from ${before.confDir}, but kubesweep is configured for ${ctx.cniConfDir}: not touching either`,
    );

  const journal = (phase: 'placing' | 'removed' | 'left', p: PlacedConf, note?: string) =>
    appendJournal(ctx.stateDir, {
      type: 'cni-fallback',
      runId: ctx.runId,
      at: new Date().toISOString(),
      phase,
      dir: p.dir,
      path: p.path,
      sha256: p.sha256,
      sandboxes: targets.map((t) => t.sandboxId),
      ...(note ? { note } : {}),
    });
  let placed: PlacedConf;
  try {
    placed = placeTeardownConf(ctx.cniConfDir, (p) => journal('placing', p));
  } catch (err) {
    return giveUp((err as Error).message);
  }
  ctx.log.warn(
    { step: 'remove-pods', path: placed.path, sandboxes: targets.map((t) => t.sandboxId), runId: ctx.runId },
    'CNI teardown fallback: teardown-only config placed',
  );
  try {
    const loaded = await waitLoaded(cri, (c) => sameList(c.networks, [TEARDOWN_NETWORK]), loadMs, callMs);
    if (!loaded) {
      rec.record(
        'cni-fallback',
        placed.path,
        'failed',
        Date.now() - t0,
        `containerd did not load ${TEARDOWN_NETWORK} alone within ${loadMs} ms (max_conf_num ${before.maxConfNum}; it loads ${before.networks.join(', ')})`,
      );
      return giveUp('containerd did not switch to the teardown-only config');
    }
    rec.record(
      'cni-fallback',
      placed.path,
      'done',
      Date.now() - t0,
      `teardown-only CNI config placed first in ${ctx.cniConfDir}; containerd loaded ${TEARDOWN_NETWORK} instead of ${before.networks.join(', ')} (${Date.now() - t0} ms)`,
    );
    await Promise.all(
      targets.map(async (t) => {
        const s0 = Date.now();
        try {
          const o = await cri.removePodSandbox(t.sandboxId, { timeoutMs: ctx.criTimeoutMs });
          rec.record(
            'remove-sandbox',
            t.sandboxId,
            o,
            Date.now() - s0,
            `${t.failure}; removed with kubesweep's teardown-only CNI config: its network's own DEL was skipped`,
          );
          removed.add(t.sandboxId);
        } catch (err) {
          rec.record(
            'remove-sandbox',
            t.sandboxId,
            'failed',
            Date.now() - s0,
            `${t.failure}; with the teardown-only CNI config too: ${(err as Error).message}`,
          );
        }
      }),
    );
  } finally {
    const r0 = Date.now();
    let outcome: ReturnType<typeof removeTeardownConf> | 'failed';
    try {
      outcome = removeTeardownConf(placed);
    } catch (err) {
      outcome = 'failed';
      ctx.log.error({ path: placed.path, err: (err as Error).message }, 'CNI teardown fallback: could not remove the teardown-only config');
    }
    if (outcome === 'done' || outcome === 'gone') {
      journal('removed', placed);
      const back = await waitLoaded(cri, (c) => sameList(c.networks, before.networks), loadMs, callMs);
      rec.record(
        'cni-restore',
        placed.path,
        back ? 'done' : 'failed',
        Date.now() - r0,
        back
          ? `teardown-only config removed; containerd loads ${before.networks.join(', ')} again; the conf dir holds what it held before`
          : `teardown-only config removed, but containerd did not report ${before.networks.join(', ')} again within ${loadMs} ms`,
      );
    } else {
      journal('left', placed, outcome);
      rec.record(
        'cni-restore',
        placed.path,
        'failed',
        Date.now() - r0,
        outcome === 'differs'
          ? "the file no longer holds kubesweep's bytes: left in place, remove it by hand"
          : 'could not remove the teardown-only config: remove it by hand',
      );
    }
  }
  releaseSkippedReservations(removed, ctx);
  return removed;
}

/** The host-local leases that the skipped DELs would have freed: released, or reported. */
function releaseSkippedReservations(ids: ReadonlySet<string>, ctx: FallbackContext): void {
  if (ids.size === 0) return;
  if (!ctx.cniIpamDir) {
    ctx.rec.record(
      'release-ip',
      [...ids].join(','),
      'skipped',
      0,
      'no IPAM dir configured (--cni-ipam-dir): host-local leases of these sandboxes, if any, are left',
    );
    return;
  }
  const found = findReservations(ctx.cniIpamDir, ids);
  for (const r of found) {
    const t0 = Date.now();
    try {
      const o = releaseReservation(r, ctx.cniIpamDir);
      ctx.rec.record(
        'release-ip',
        r.path,
        o,
        Date.now() - t0,
        `${r.ip} of network ${r.network}, leased to sandbox ${r.containerId.slice(0, 13)} whose DEL was skipped`,
      );
    } catch (err) {
      ctx.rec.record('release-ip', r.path, 'failed', Date.now() - t0, (err as Error).message);
    }
  }
}

export interface RepairResult {
  path: string;
  outcome: 'done' | 'gone' | 'differs' | 'failed';
  runId: string;
  message?: string;
}

/**
 * Take out any teardown config a dead run left behind: every 'placing' in the journal with no
 * later 'removed' or 'repaired' for the same path. Only a file that still holds exactly our
 * bytes, under one of our names, is removed.
 */
export function repairCniFallback(stateDir: string, log: Logger, runId = 'startup'): RepairResult[] {
  const open = new Map<string, { dir: string; path: string; sha256: string; runId: string }>();
  for (const r of readJournal(stateDir)) {
    if (r.type !== 'cni-fallback') continue;
    if (r.phase === 'placing') open.set(r.path, { dir: r.dir, path: r.path, sha256: r.sha256, runId: r.runId });
    else open.delete(r.path);
  }
  const out: RepairResult[] = [];
  for (const p of open.values()) {
    if (!isTeardownConfName(p.path.split('/').pop() ?? '')) continue;
    let outcome: RepairResult['outcome'];
    let message: string | undefined;
    try {
      outcome = removeTeardownConf(p);
    } catch (err) {
      outcome = 'failed';
      message = (err as Error).message;
    }
    if (outcome === 'done' || outcome === 'gone') {
      appendJournal(stateDir, {
        type: 'cni-fallback',
        runId,
        at: new Date().toISOString(),
        phase: 'repaired',
        dir: p.dir,
        path: p.path,
        sha256: p.sha256,
        note: `left by run ${p.runId}: ${outcome === 'done' ? 'removed' : 'already gone'}`,
      });
    }
    (outcome === 'done' ? log.warn.bind(log) : log.info.bind(log))(
      { path: p.path, outcome, interruptedRun: p.runId, message },
      'CNI teardown fallback repaired from the journal',
    );
    out.push({ path: p.path, outcome, runId: p.runId, ...(message ? { message } : {}) });
  }
  return out;
}
