import { Writable } from 'node:stream';
import { createLogger, type Logger } from '../../src/app/logger.ts';

/** What the process logged, kept for a test to search (pino's JSON lines). */
export interface CapturedLogs {
  /** Every line so far, as written. */
  lines: string[];
  /** The lines so far, parsed. */
  entries(): Array<Record<string, unknown>>;
  /** A logger at `level` that writes here (the product's logger, redaction included). */
  logger(level: string): Logger;
}

export function captureLogs(): CapturedLogs {
  const lines: string[] = [];
  const entries: Array<Record<string, unknown>> = [];
  const stream = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).split('\n')) if (line.trim()) lines.push(line);
      done();
    },
  });
  return {
    lines,
    entries() {
      // Parsed once each, as the lines come: tests poll this.
      for (let index = entries.length; index < lines.length; index++) entries.push(JSON.parse(lines[index]!));
      return entries;
    },
    logger: (level) => createLogger(level, stream),
  };
}
