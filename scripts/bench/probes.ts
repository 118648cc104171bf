// What the benchmarks read about an agent process and the machine: its grpc.health.v1 status on a
// unix socket, /proc/PID/status fields and CPU time, a free loopback port, the load average.
import { readFileSync } from 'node:fs';
import net from 'node:net';
import * as grpc from '@grpc/grpc-js';

/** grpc.health.v1 Check on a unix socket: SERVING, NOT_SERVING, …, or ERROR (2 s deadline). */
export function healthCheck(sock: string): Promise<string> {
  const Ctor = grpc.makeGenericClientConstructor(
    {
      Check: {
        path: '/grpc.health.v1.Health/Check',
        requestStream: false,
        responseStream: false,
        requestSerialize: () => Buffer.alloc(0),
        requestDeserialize: () => ({}),
        responseSerialize: () => Buffer.alloc(0),
        responseDeserialize: (b: Buffer) => ['UNKNOWN', 'SERVING', 'NOT_SERVING', 'SERVICE_UNKNOWN'][b.length >= 2 ? b[1] : 0] ?? 'UNKNOWN',
      } satisfies grpc.MethodDefinition<object, string>,
    },
    'Health',
  );
  const client = new Ctor(`unix://${sock}`, grpc.credentials.createInsecure(), {
    'grpc.initial_reconnect_backoff_ms': 5,
    'grpc.max_reconnect_backoff_ms': 20,
  });
  return new Promise((resolve) => {
    const check = (
      client as unknown as {
        Check: (req: object, md: grpc.Metadata, opts: grpc.CallOptions, cb: (err: Error | null, res: string) => void) => void;
      }
    ).Check;
    check.call(client, {}, new grpc.Metadata(), { deadline: Date.now() + 2000 }, (err, res) => {
      client.close();
      resolve(err ? 'ERROR' : res);
    });
  });
}

export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const p = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(p));
    });
  });
}

/** A kB field of /proc/PID/status (VmRSS, RssAnon, VmHWM …); NaN when the kernel has no such field. */
export function statusKiB(pid: number, field: string): number {
  const m = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) : NaN;
}

/** utime + stime of a process so far, in ms (USER_HZ = 100 on Linux). */
export function cpuMsOf(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
}

/** The 1, 5 and 15 minute load averages as /proc/loadavg prints them. */
export const loadAverage = (): string => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
