import { readFile, writeFile } from 'node:fs/promises';
import { parseArgs } from 'node:util';
import { loadEnvFile, loadStorageConfig } from '../app/config.ts';
import { ConfigError } from '../app/errors.ts';
import { exportSession } from '../commands/session-export.ts';
import { createRedisHistoryStore } from '../history/redis/redis-history-store.ts';
import {
  checkSessionId,
  forkSession,
  formatListing,
  importSession,
  readExport,
  SessionToolError,
} from './session-tools.ts';

const USAGE = `Usage: parley <command> [options]   (works on the Redis in REDIS_URL)

  sessions [--limit N]                     list stored sessions, most recently active first
  export <session> [--out FILE]            write a session as JSON (stdout by default)
  import <file> [--session ID] [--force]   load an export (into its own session, or ID)
  fork <session> <new-session> [--force]   copy a conversation to try another path from the same state
  forget <session>                         delete everything stored for a session
`;

/** Runs one CLI command; returns the process exit code. */
export async function runCli(
  argv: string[],
  out: NodeJS.WritableStream,
  err: NodeJS.WritableStream,
): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      limit: { type: 'string' },
      out: { type: 'string' },
      session: { type: 'string' },
      force: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...rest] = positionals;
  if (values.help || !command) {
    out.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const config = loadStorageConfig();
  const store = createRedisHistoryStore({
    url: config.redisUrl,
    prefix: config.redisPrefix,
    historyTtlDays: config.historyTtlDays,
    redisOptions: { maxRetriesPerRequest: 1, connectTimeout: 5_000 },
  });
  const need = (count: number) => {
    if (rest.length < count) throw new SessionToolError(`${command} needs ${count} argument(s)\n\n${USAGE}`);
  };
  try {
    switch (command) {
      case 'sessions': {
        const limit = values.limit === undefined ? 100 : Number(values.limit);
        if (!Number.isInteger(limit) || limit < 1)
          throw new SessionToolError('--limit takes a positive whole number');
        out.write(`${formatListing(await store.listSessions({ limit }))}\n`);
        return 0;
      }
      case 'export': {
        need(1);
        const data = await exportSession(store, checkSessionId(rest[0]!));
        const json = `${JSON.stringify(data, null, 2)}\n`;
        if (values.out) {
          await writeFile(values.out, json);
          err.write(`Exported ${data.messages.length} messages of ${data.sessionId} to ${values.out}\n`);
        } else out.write(json);
        return 0;
      }
      case 'import': {
        need(1);
        const data = readExport(await readFile(rest[0]!, 'utf8'));
        const target = values.session ?? data.sessionId;
        const count = await importSession(store, data, target, { force: values.force });
        out.write(`Imported ${count} messages into ${target}\n`);
        return 0;
      }
      case 'fork': {
        need(2);
        const count = await forkSession(store, rest[0]!, rest[1]!, { force: values.force });
        out.write(`Forked ${rest[0]} into ${rest[1]} (${count} messages)\n`);
        return 0;
      }
      case 'forget': {
        need(1);
        await store.forget(checkSessionId(rest[0]!));
        out.write(`Forgot ${rest[0]}\n`);
        return 0;
      }
      default:
        err.write(`Unknown command ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (error) {
    if (error instanceof SessionToolError || error instanceof ConfigError) {
      err.write(`parley ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store.close();
  }
}

export async function main(): Promise<void> {
  loadEnvFile();
  try {
    process.exitCode = await runCli(process.argv.slice(2), process.stdout, process.stderr);
  } catch (error) {
    process.stderr.write(`parley: ${error instanceof Error ? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
}
