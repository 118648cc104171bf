// The pod step against a stand-in CRI (the narrow interface the step uses): order, overlapping
// grace periods, bounded parallelism, retries, NOT_FOUND = gone, forced stop after failures, and
// one sandbox call a pod (RemovePodSandbox, which stops the pod first; never StopPodSandbox).
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFileSync } from 'node:fs';
import t from 'tap';
import pino from 'pino';
import { isAlive, parseStat } from '../../../../agent/daemon/host/proc';

/** SIGKILL is delivered asynchronously: did the process die (or turn zombie) within `ms`? */
async function diesWithin(pid: number, ms: number): Promise<boolean> {
  for (const end = Date.now() + ms; Date.now() < end; await new Promise((r) => setTimeout(r, 10))) if (!isAlive(pid)) return true;
  return !isAlive(pid);
}
import type { CriClient } from '../../../../agent/daemon/cri/client';
import { ksError } from '../../../../agent/shared/errors';
import { defaultSweepConfig } from '../../../../agent/daemon/engine-config';
import { buildPlan } from '../../../../agent/daemon/sweep/plan';
import type { NodeSnapshot } from '../../../../agent/daemon/sweep/snapshot';
import { RunContext, StepRecorder } from '../../../../agent/daemon/sweep/recorder';
import { removePods } from '../../../../agent/daemon/sweep/steps/remove-pods';
import type { ProgressEvent, SandboxInfo } from '../../../../agent/daemon/sweep/types';
import { shimProc } from '../../../helpers/shim-proc';

class FakeCri {
  log: string[] = [];
  active = 0;
  peakSandboxCalls = 0;
  failures = new Map<string, number>();
  /** Called (and awaited) as RemovePodSandbox arrives, before it does anything. */
  onRemove?: (id: string) => Promise<void>;
  constructor(private readonly stopMs: Record<string, number> = {}) {}
  private async work(what: string, ms: number, sandboxCall = false) {
    const f = this.failures.get(what) ?? 0;
    if (f > 0) {
      this.failures.set(what, f - 1);
      this.log.push(`FAIL ${what}`);
      throw ksError('KS_CRI_DEADLINE', `${what} timed out`);
    }
    if (sandboxCall) this.peakSandboxCalls = Math.max(this.peakSandboxCalls, ++this.active);
    await new Promise((r) => setTimeout(r, ms));
    if (sandboxCall) this.active--;
    this.log.push(what);
    return 'done' as const;
  }
  stopContainer(id: string, grace: number) {
    return id === 'gone'
      ? Promise.resolve('gone' as const)
      : this.work(`stopContainer ${id} ${grace}`, grace > 0 ? (this.stopMs[id] ?? 5) : 5);
  }
  removeContainer(id: string) {
    return this.work(`removeContainer ${id}`, 2);
  }
  stopPodSandbox(id: string) {
    return this.work(`stopPodSandbox ${id}`, 20, true);
  }
  async removePodSandbox(id: string) {
    await this.onRemove?.(id);
    return id === 'gone-sb' ? Promise.resolve('gone' as const) : this.work(`removePodSandbox ${id}`, 20, true);
  }
}

function sb(id: string, hostNetwork: boolean): SandboxInfo {
  return { id, name: id, namespace: 'kube-system', uid: id, kind: 'pod', hostNetwork, state: 'SANDBOX_READY', createdAt: '0' };
}

async function run(
  cri: FakeCri,
  sandboxes: SandboxInfo[],
  containers: [string, string][],
  grace: number,
  parallelism: number,
  signal?: AbortSignal,
  shims: NodeSnapshot['shims'] = [],
) {
  const config = defaultSweepConfig({ parallelism, retries: 2 });
  const snapshot: NodeSnapshot = {
    takenAt: new Date(),
    pods: {
      sandboxes,
      containers: containers.map(([id, sandboxId]) => ({
        id,
        name: id,
        sandboxId,
        state: 'CONTAINER_RUNNING',
        podName: sandboxId,
        podNamespace: 'x',
        orphan: false,
      })),
    },
    shims,
    netns: [],
    containerMounts: [],
    manifests: [],
    systemd: false,
    podPorts: [],
    shimless: [],
  };
  const plan = buildPlan({
    config,
    node: 'n',
    dryRun: false,
    scope: 'all',
    graceSeconds: grace,
    steps: ['remove-pods'],
    expectFreePorts: [],
    snapshot,
  });
  const events: ProgressEvent[] = [];
  const ctx: RunContext = {
    config,
    deps: { cri: cri as unknown as CriClient, log: pino({ level: 'silent' }), checkPorts: async () => ({ allFree: true, ports: [] }) },
    log: pino({ level: 'silent' }),
    runId: 'r',
    node: 'n',
    graceSeconds: grace,
    scope: 'all',
    snapshot,
    signal,
    emit: (e) => events.push(e),
    steps: new Set(['remove-pods']),
    removedSandboxes: new Set(),
  };
  const rec = new StepRecorder(plan.steps[0], ctx);
  const t0 = Date.now();
  await removePods.run(rec, ctx);
  return { result: rec.finish(), ms: Date.now() - t0, events, removed: ctx.removedSandboxes };
}

t.test('own-netns pods are torn down before host-network pods', async (t) => {
  const cri = new FakeCri();
  const { result, removed } = await run(
    cri,
    [sb('host1', true), sb('ns1', false), sb('host2', true), sb('ns2', false)],
    [
      ['c1', 'host1'],
      ['c2', 'ns1'],
    ],
    1,
    4,
  );
  const removals = cri.log.filter((l) => l.startsWith('removePodSandbox')).map((l) => l.split(' ')[1]);
  t.same(new Set(removals.slice(0, 2)), new Set(['ns1', 'ns2']));
  t.same(new Set(removals.slice(2)), new Set(['host1', 'host2']));
  const lastNs = Math.max(...['ns1', 'ns2'].map((id) => cri.log.indexOf(`removePodSandbox ${id}`)));
  const firstHost = Math.min(...cri.log.map((l, i) => (/host\d|c1/.test(l) ? i : Infinity)));
  t.ok(lastNs < firstHost, 'no call touches a host-network pod before every own-netns pod is removed (its network torn down)');
  t.ok(cri.log.indexOf('stopContainer c1 1') < cri.log.indexOf('removePodSandbox host1'), 'graceful container stops before their sandbox');
  t.same(
    cri.log.filter((l) => /^(stopPodSandbox|removeContainer)/.test(l)),
    [],
    'one sandbox call a pod: no StopPodSandbox (RemovePodSandbox stops it), no RemoveContainer (it removes them)',
  );
  t.equal(result.status, 'ok');
  t.equal(result.done, 6);
  t.same([...removed].sort(), ['host1', 'host2', 'ns1', 'ns2']);
});

t.test('grace 0: RemovePodSandbox alone, no container call', async (t) => {
  const cri = new FakeCri();
  const { result } = await run(cri, [sb('a', false), sb('b', true)], [['c', 'a']], 0, 4);
  t.same(cri.log, ['removePodSandbox a', 'removePodSandbox b']);
  t.same(
    result.items.map((i) => `${i.action} ${i.target} ${i.outcome}`),
    ['remove-sandbox a done', 'remove-sandbox b done'],
  );
});

t.test('grace periods overlap; sandbox calls stay within parallelism', async (t) => {
  const slow: Record<string, number> = {};
  const sandboxes: SandboxInfo[] = [];
  const containers: [string, string][] = [];
  for (let i = 0; i < 8; i++) {
    sandboxes.push(sb(`p${i}`, i % 2 === 0));
    containers.push([`c${i}`, `p${i}`]);
    slow[`c${i}`] = 300; // every container waits out a 300 ms "grace period"
  }
  const cri = new FakeCri(slow);
  const { ms, result } = await run(cri, sandboxes, containers, 1, 2);
  t.equal(result.failed, 0);
  t.ok(ms < 8 * 300, `8 graceful stops overlap: ${ms} ms, not 8 x 300 ms`);
  t.ok(ms < 2 * 300 + 8 * 25 + 400, `about one grace period per group (${ms} ms)`);
  t.ok(cri.peakSandboxCalls <= 2, `at most 2 sandbox calls at once (saw ${cri.peakSandboxCalls})`);
});

t.test('retries transient failures; forces a stop that keeps failing; NOT_FOUND is gone', async (t) => {
  const cri = new FakeCri();
  // A host-network sandbox: a deadline there is containerd being slow (no CNI runs), worth retrying.
  cri.failures.set('removePodSandbox s1', 2); // two deadlines, then fine (retries: 2)
  cri.failures.set('stopContainer stuck 1', 3); // graceful stop keeps failing: forced with 0
  const { result, events } = await run(
    cri,
    [sb('s1', true), sb('s2', true), sb('gone-sb', true)],
    [
      ['stuck', 's2'],
      ['gone', 's2'],
    ],
    1,
    4,
  );
  t.equal(result.failed, 0, `nothing failed in the end: ${JSON.stringify(result.items.filter((i) => i.outcome === 'failed'))}`);
  t.equal(cri.log.filter((l) => l === 'FAIL removePodSandbox s1').length, 2);
  t.ok(cri.log.includes('stopContainer stuck 0'), 'forced stop with timeout 0');
  t.match(result.items.find((i) => i.action === 'stop-container' && i.target === 'stuck')!.message, /forced after/);
  t.equal(result.items.find((i) => i.action === 'stop-container' && i.target === 'gone')!.outcome, 'gone');
  t.equal(result.items.find((i) => i.action === 'remove-sandbox' && i.target === 'gone-sb')!.outcome, 'gone');
  t.equal(events.filter((e) => e.type === 'item-done').length, result.items.length, 'one event per item');
});

t.test('a sandbox that cannot be removed fails the step; abort skips the rest', async (t) => {
  const cri = new FakeCri();
  cri.failures.set('removePodSandbox bad', 10);
  const { result } = await run(cri, [sb('bad', true)], [], 0, 4);
  t.equal(result.items.find((i) => i.action === 'remove-sandbox')!.outcome, 'failed');
  t.equal(cri.log.filter((l) => l === 'FAIL removePodSandbox bad').length, 3, 'tried once and retried twice');
  t.equal(result.status, 'failed', 'nothing done: the step failed');
  const ac = new AbortController();
  ac.abort();
  const cri2 = new FakeCri();
  const aborted = await run(cri2, [sb('a', false), sb('b', true)], [], 0, 4, ac.signal);
  t.same(cri2.log, [], 'no CRI call after an abort');
  t.ok(aborted.result.items.every((i) => i.outcome === 'skipped'));
});

t.test(
  'a deadline on a pod-netns sandbox (a CNI DEL that hangs) is not retried at full timeout: it goes to the CNI fallback',
  async (t) => {
    const cri = new FakeCri();
    cri.failures.set('removePodSandbox hung', 10);
    const { result } = await run(cri, [sb('hung', false)], [], 0, 4);
    t.equal(cri.log.filter((l) => l === 'FAIL removePodSandbox hung').length, 1, 'asked once, not retried');
    const rm = result.items.filter((i) => i.action === 'remove-sandbox');
    t.equal(rm.length, 1, 'one remove-sandbox item');
    // This fake CRI has no Status: the fallback refuses, and says why.
    t.match(rm[0].message, /^CNI DEL hung: .*timed out; the CNI fallback was not used: /);
    t.equal(result.status, 'failed');
  },
);

t.test("the pod's processes are SIGKILLed before its RemovePodSandbox, each only if still the process the plan saw", async (t) => {
  const startTime = (pid: number) => parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))!.startTime;
  const sleeper = () => {
    const p = spawn('sleep', ['1000'], { stdio: 'ignore' });
    t.teardown(() => void p.kill('SIGKILL'));
    return p;
  };
  const container = sleeper();
  const recycled = sleeper();
  await Promise.all([once(container, 'spawn'), once(recycled, 'spawn')]);
  const shim = shimProc('a', process.pid, {
    startTime: startTime(process.pid),
    tree: [
      { pid: container.pid!, startTime: startTime(container.pid!), command: 'sleep 1000', ours: true },
      // The plan saw another process under this pid (another start time): it is never signalled.
      { pid: recycled.pid!, startTime: startTime(recycled.pid!) - 1, command: 'sleep 1000', ours: true },
    ],
  });
  const cri = new FakeCri();
  let diedBeforeRemove: boolean | undefined;
  cri.onRemove = async (id) => {
    if (id === 'a') diedBeforeRemove = await diesWithin(container.pid!, 2000);
  };
  const { result } = await run(cri, [sb('a', false), sb('b', true)], [], 0, 4, undefined, [shim]);
  t.equal(diedBeforeRemove, true, 'the container process was SIGKILLed before RemovePodSandbox was asked');
  t.ok(isAlive(recycled.pid!), 'the pid whose start time differs from the plan was not signalled');
  t.same(
    result.items.map((i) => `${i.action} ${i.target} ${i.outcome} ${i.message ?? ''}`.trim()),
    [`remove-sandbox a done SIGKILL first to pid ${container.pid}`, 'remove-sandbox b done'],
    'the item says which pids it killed; a pod without a shim of ours is only removed',
  );
});

t.test('grace 0: every pod of a group is SIGKILLed before its first RemovePodSandbox, host-network pods only after', async (t) => {
  const startTime = (pid: number) => parseStat(readFileSync(`/proc/${pid}/stat`, 'utf8'))!.startTime;
  const ids = ['n1', 'n2', 'n3', 'h1'];
  const procs = ids.map(() => spawn('sleep', ['1000'], { stdio: 'ignore' }));
  for (const p of procs) t.teardown(() => void p.kill('SIGKILL'));
  await Promise.all(procs.map((p) => once(p, 'spawn')));
  const shims = ids.map((id, i) =>
    shimProc(id, process.pid, {
      startTime: startTime(process.pid),
      tree: [{ pid: procs[i].pid!, startTime: startTime(procs[i].pid!), command: 'sleep 1000', ours: true }],
    }),
  );
  const cri = new FakeCri();
  const seen: Record<string, boolean[]> = {};
  cri.onRemove = async (id) => void (seen[id] = await Promise.all(procs.map((p) => diesWithin(p.pid!, 1000))));
  // parallelism 1: one sandbox call at a time, so a kill at each call's turn would leave n2, n3 alive at n1's.
  await run(cri, [sb('n1', false), sb('n2', false), sb('n3', false), sb('h1', true)], [], 0, 1, undefined, shims);
  t.same(seen.n1, [true, true, true, false], "at the first pod's removal every own-netns pod is killed, the host-network pod is not");
  t.same(seen.h1, [true, true, true, true], 'the host-network pod is killed when its group starts');
});
