// Node facts for the Info call, from systeminformation (one place that knows every distro's
// quirks for OS name, CPU count and memory). The port report does NOT use systeminformation:
// its networkConnections() shells out to netstat/ss, sees only the caller's netns and knows
// nothing of containers (see docs/client.md, "Who holds the port?", for the measurement).
import si from 'systeminformation';

export interface NodeFacts {
  os: string;
  kernel: string;
  hostname: string;
  arch: string;
  cpus: number;
  memoryBytes: number;
  uptimeSeconds: number;
}

export async function nodeFacts(): Promise<NodeFacts> {
  const [os, cpu, mem] = await Promise.all([si.osInfo(), si.cpu(), si.mem()]);
  const time = si.time();
  const osName = [os.distro, os.release].filter((s) => s && s !== 'unknown').join(' ') || os.platform;
  return {
    os: osName,
    kernel: os.kernel,
    hostname: os.hostname,
    arch: os.arch,
    cpus: cpu.cores,
    memoryBytes: mem.total,
    uptimeSeconds: Math.floor(Number(time.uptime)),
  };
}
