import pino from 'pino';
import type { Logger } from '../ports/logger.ts';

export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const levelNames: Record<number, string> = {
  10: 'TRACE',
  20: 'DEBUG',
  30: 'INFO',
  40: 'WARN',
  50: 'ERROR',
  60: 'ERROR',
};

/**
 * Formats one pino record as Consul's (hclog) text line:
 * `2026-11-21T10:00:00.000Z [INFO]  agent.server: message: key=value key2="a b"`.
 */
export function formatTextLine(record: Record<string, unknown>): string {
  const { time, level, msg, name, pid: _pid, hostname: _host, ...fields } = record;
  const stamp = new Date(typeof time === 'number' ? time : Date.now()).toISOString();
  const label = `[${levelNames[level as number] ?? 'INFO'}]`.padEnd(7);
  const pairs = Object.entries(fields)
    .filter(([, value]) => value !== undefined)
    .map(([key, value]) => {
      const text = typeof value === 'string' ? value : JSON.stringify(value);
      return `${key}=${/[\s"=]/.test(text) ? JSON.stringify(text) : text}`;
    });
  const prefix = typeof name === 'string' && name !== '' ? `${name}: ` : '';
  return `${stamp} ${label} ${prefix}${String(msg ?? '')}${pairs.length > 0 ? `: ${pairs.join(' ')}` : ''}\n`;
}

/** The agent's logger: pino, writing JSON lines (`-log-json`) or Consul-style text to `write`. */
export function createLogger(options: {
  level: LogLevel;
  json: boolean;
  write?: (line: string) => void;
}): Logger {
  const write = options.write ?? ((line: string) => process.stdout.write(line));
  const destination = {
    write(line: string) {
      write(options.json ? line : formatTextLine(JSON.parse(line) as Record<string, unknown>));
    },
  };
  return wrap(pino({ level: options.level, base: null, messageKey: 'msg' }, destination));
}

function wrap(logger: pino.Logger): Logger {
  return {
    debug: (fields, message) => logger.debug(fields, message),
    info: (fields, message) => logger.info(fields, message),
    warn: (fields, message) => logger.warn(fields, message),
    error: (fields, message) => logger.error(fields, message),
    child: (bindings) => wrap(logger.child(bindings)),
  };
}
