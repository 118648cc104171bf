// The agent's logger: pino with the destination injected, so tests read the JSON lines back
// instead of scraping text. Secrets never appear in requests, but redact TLS material anyway
// in case a config object is ever logged whole.
import pino from 'pino';

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
export const LOG_LEVELS: readonly LogLevel[] = Object.freeze(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']);

export function createLogger(level: LogLevel, dest?: pino.DestinationStream): pino.Logger {
  const opts: pino.LoggerOptions = {
    level,
    base: { pid: process.pid, name: 'kubesweep-agent' },
    timestamp: pino.stdTimeFunctions.isoTime,
    redact: { paths: ['tls.key', '*.tls.key', 'privateKey'], censor: '[redacted]' },
  };
  return dest ? pino(opts, dest) : pino(opts, pino.destination({ fd: 1, sync: true }));
}
