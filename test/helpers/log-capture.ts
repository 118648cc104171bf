// A pino destination that keeps each JSON line, so tests assert on audit records.
import { Writable } from 'node:stream';
import { createLogger } from '../../agent/daemon/log';

export function captureLogger(): { log: ReturnType<typeof createLogger>; lines: Record<string, any>[] } {
  const lines: Record<string, any>[] = [];
  const dest = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l.trim()) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { log: createLogger('debug', dest), lines };
}
