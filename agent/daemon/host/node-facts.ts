// Node facts for the Info call, from systeminformation (one place that knows every distro's
// quirks for OS name, CPU count and memory). The port report does NOT use systeminformation:
// its networkConnections() shells out to netstat/ss, sees only the caller's netns and knows
// nothing of containers (see docs/client.md, "Who holds the port?", for the measurement).
//
// Memory (measured, npm layout, Node 20; docs/development.md "Idle memory"): loading
// systeminformation costs ≈ 6 MB of RSS, its time() another 8.4 MB (it initializes ICU's time
// zones, and runs `date` and `ls -l /etc/localtime` synchronously, blocking the event loop). So:
// - systeminformation is asked once for what does not change while the node runs (OS, kernel,
//   CPUs, memory) and then let go: dropped from the module cache, V8 collects it (the single
//   file cannot unload it: one script). Every Info call used to run osInfo() and cpu() again,
//   each spawning commands.
// - Hostname and uptime come from node's os module on every call, as systeminformation's own do.
import { hostname, uptime } from 'node:os';

export interface NodeFacts {
  os: string;
  kernel: string;
  hostname: string;
  arch: string;
  cpus: number;
  memoryBytes: number;
  uptimeSeconds: number;
}

/** What does not change while the node runs. */
export type StaticNodeFacts = Omit<NodeFacts, 'hostname' | 'uptimeSeconds'>;

let asked: Promise<StaticNodeFacts> | undefined;

export async function nodeFacts(): Promise<NodeFacts> {
  asked ??= askOnce().catch((err: unknown) => {
    asked = undefined; // asked again next time
    throw err;
  });
  return { ...(await asked), hostname: hostname(), uptimeSeconds: Math.floor(uptime()) };
}

async function askOnce(): Promise<StaticNodeFacts> {
  const si = require('systeminformation') as typeof import('systeminformation');
  try {
    const [os, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
    const osName = [os.distro, os.release].filter((s) => s && s !== 'unknown').join(' ') || os.platform;
    return { os: osName, kernel: os.kernel, arch: os.arch, cpus: cpu.cores, memoryBytes: mem.total };
  } finally {
    for (const k of Object.keys(require.cache)) if (k.includes('/node_modules/systeminformation/')) delete require.cache[k];
  }
}
