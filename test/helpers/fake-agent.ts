// A stand-in kubesweep agent for the client's unit tests: the real kubesweep.v1 service
// definition served by grpc-js on a temp unix socket, answering from canned documents. It
// checks the node-name guard the way the agent does, so fan-out tests can prove each agent
// got the name the operator paired with it.
import { mkdtempSync, rmSync } from 'node:fs';
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import { loadProto } from '../../agent/shared/grpc-load';
import type { ResetReport } from '../../agent/daemon/sweep/types';
import { portCheckMsg, portReportMsg, reportMsg } from '../../agent/daemon/server/convert';
import { cleanReport, dirtyReport, portCheck } from '../fixtures/client/samples';

export interface FakeAgentOptions {
  nodeName: string;
  /** Ports the fake reports as held after a reset and in CheckPorts. */
  held?: number[];
}

export interface FakeAgent {
  endpoint: string;
  /** confirm_node values received, in order. */
  confirms: string[];
  requests: Record<string, unknown>[];
  close(): Promise<void>;
}

function refuse(cb: (e: Partial<grpc.StatusObject>) => void, code: grpc.status, ksCode: string, message: string): void {
  const metadata = new grpc.Metadata();
  metadata.set('ks-code', ksCode);
  cb({ code, details: message, metadata });
}

export async function startFakeAgent(opts: FakeAgentOptions): Promise<FakeAgent> {
  const dir = mkdtempSync('/tmp/ksc-');
  const sock = path.join(dir, 'a.sock');
  const held = opts.held ?? [];
  const confirms: string[] = [];
  const requests: Record<string, unknown>[] = [];
  const report = (): ResetReport => (held.length ? dirtyReport(opts.nodeName) : cleanReport(opts.nodeName));
  const guard = (req: { confirmNode: string }, cb: (e: Partial<grpc.StatusObject>) => void): boolean => {
    confirms.push(req.confirmNode);
    if (req.confirmNode !== opts.nodeName) {
      refuse(
        cb,
        grpc.status.FAILED_PRECONDITION,
        'KS_CONFIRM_MISMATCH',
        `confirm_node "${req.confirmNode}" is not this node (this agent runs on "${opts.nodeName}")`,
      );
      return false;
    }
    return true;
  };

  const server = new grpc.Server();
  const svc = (loadProto('kubesweep/v1/agent.proto') as any).kubesweep.v1.Agent.service as grpc.ServiceDefinition;
  server.addService(svc, {
    Reset: (call: grpc.ServerWritableStream<any, any>) => {
      requests.push({ rpc: 'Reset', ...call.request });
      confirms.push(call.request.confirmNode);
      if (call.request.confirmNode !== opts.nodeName) {
        const md = new grpc.Metadata();
        md.set('ks-code', 'KS_CONFIRM_MISMATCH');
        call.emit('error', {
          code: grpc.status.FAILED_PRECONDITION,
          details: `confirm_node "${call.request.confirmNode}" is not this node`,
          metadata: md,
        });
        return;
      }
      const r = report();
      call.write({ progress: { type: 'step-started', step: 'remove-pods', planned: 2 } });
      for (const i of r.steps[0].items)
        call.write({ progress: { type: 'item-done', step: 'remove-pods', action: i.action, target: i.target, outcome: i.outcome } });
      call.write({ progress: { type: 'step-finished', step: 'remove-pods', status: r.steps[0].status, durationMs: 300 } });
      call.write({ report: reportMsg(r) });
      call.end();
    },
    StopPods: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      requests.push({ rpc: 'StopPods', ...call.request });
      if (!guard(call.request, cb)) return;
      const r = cleanReport(opts.nodeName);
      delete r.verification;
      cb(null, { report: reportMsg(r) });
    },
    WipeManifests: (_call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) =>
      refuse(cb, grpc.status.ABORTED, 'KS_BUSY', 'another destructive operation is running (StopPods since 1 s)'),
    RemoveNetns: (_call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) =>
      cb({ code: grpc.status.INTERNAL, details: 'disk on fire' }),
    RestoreManifests: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      if (!guard(call.request, cb)) return;
      cb(null, { backupId: call.request.backupId || 'b-newest', restored: ['kube-apiserver.yaml'], unchanged: [] });
    },
    ListPorts: (_call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) =>
      cb(
        null,
        portReportMsg({
          listeners: portCheck(held, []).ports.flatMap((p) => p.listeners),
          malformedLines: 0,
          netnsScanned: [{ inode: 4026531840, host: true }],
          generatedAt: 'now',
        }),
      ),
    CheckPorts: (call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) => {
      requests.push({ rpc: 'CheckPorts', ...call.request });
      const asked: number[] = call.request.ports.length ? call.request.ports : [6443, 10250];
      cb(
        null,
        portCheckMsg(
          portCheck(
            asked.filter((p) => held.includes(p)),
            asked.filter((p) => !held.includes(p)),
          ),
        ),
      );
    },
    Inspect: (_call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) =>
      cb(null, {
        sandboxes: [],
        containers: [],
        shims: [],
        netns: [{ path: '/x/cni-1', name: 'cni-1', inode: '4026532000', holders: [] }],
        manifests: [],
        backups: [],
      }),
    Info: (_call: grpc.ServerUnaryCall<any, any>, cb: grpc.sendUnaryData<any>) =>
      cb(null, {
        agentVersion: '0.1.0',
        nodeName: opts.nodeName,
        criRuntimeName: 'containerd',
        criRuntimeVersion: '1.6.20',
        criApiVersion: 'v1',
        facts: {
          os: 'Debian 12',
          kernel: '6.1',
          hostname: opts.nodeName,
          arch: 'x64',
          cpus: 2,
          memoryBytes: '25769803776',
          uptimeSeconds: '7200',
        },
        expectFreePorts: [6443, 10250],
        manifestsDir: '/etc/kubernetes/manifests',
        netnsDirs: ['/var/run/netns'],
        stateDir: '/var/lib/kubesweep',
      }),
  });
  await new Promise<void>((resolve, reject) =>
    server.bindAsync(`unix://${sock}`, grpc.ServerCredentials.createInsecure(), (err) => (err ? reject(err) : resolve())),
  );
  return {
    endpoint: `unix://${sock}`,
    confirms,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.tryShutdown(() => {
          rmSync(dir, { recursive: true, force: true });
          resolve();
        });
      }),
  };
}
