import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { loadEnvFile, loadTerminalConfig } from '../app/config.ts';
import { ConfigError } from '../app/errors.ts';
import { RedisUnreachableError, waitForRedis } from '../app/redis-connection.ts';
import { loadStorageConfig } from '../app/storage-config.ts';
import { exportSession } from '../commands/session-export.ts';
import type { HistoryStore } from '../history/history-store.ts';
import { createRedisHistoryStore } from '../history/redis/redis-history-store.ts';
import { exportTarget } from './export-target.ts';
import {
  forkSession,
  formatListing,
  type ImportResult,
  importSession,
  readExport,
  requireSession,
  SessionToolError,
} from './session-tools.ts';

const USAGE = `Usage: parley <command> [options]   (works on the Redis in REDIS_URL)

  sessions [--limit N]                     list stored sessions, most recently active first
  export <session> [--out FILE|DIR|-] [--with-images]
                                           write a session as JSON: at a terminal into EXPORT_DIR
                                           (default ./parley-exports), piped to stdout; --with-images
                                           embeds the images its messages refer to (base64)
  import <file> [--session ID] [--scope ID] [--force]
                                           load an export (into its own session, or ID), images included
  fork <session> <new-session> [--scope ID] [--force]
                                           copy a conversation to try another path from the same state
                                           --scope: the channel session it belongs to, for /forget there
                                           (a Slack thread's is known from its ID)
  forget <session>                         delete everything stored for a session
`;

type Flags = {
  limit?: string;
  out?: string;
  session?: string;
  scope?: string;
  force: boolean;
  'with-images': boolean;
};

/** What one command gets: the store, its positional arguments, the flags and the two output streams. */
interface CommandContext {
  store: HistoryStore;
  args: string[];
  flags: Flags;
  out: NodeJS.WritableStream;
  err: NodeJS.WritableStream;
}

/** Each command with how many positional arguments it needs; each returns the exit code. */
const COMMANDS: Record<string, { args: number; run(context: CommandContext): Promise<number> }> = {
  sessions: {
    args: 0,
    async run({ store, flags, out }) {
      const limit = flags.limit === undefined ? 100 : Number(flags.limit);
      if (!Number.isInteger(limit) || limit < 1)
        throw new SessionToolError('--limit takes a positive whole number');
      out.write(`${formatListing(await store.listSessions({ limit }))}\n`);
      return 0;
    },
  },
  export: {
    args: 1,
    async run({ store, args, flags, out, err }) {
      const sessionId = await requireSession(store, args[0]!);
      const data = await exportSession(store, sessionId, Date.now(), { withImages: flags['with-images'] });
      const json = `${JSON.stringify(data, null, 2)}\n`;
      const target = await exportTarget({
        out: flags.out,
        sessionId,
        stdoutIsTerminal: (out as { isTTY?: boolean }).isTTY === true,
        exportDir: loadTerminalConfig().exportDir,
      });
      if ('stdout' in target) {
        out.write(json);
        return 0;
      }
      await mkdir(dirname(target.file), { recursive: true });
      await writeFile(target.file, json);
      const images = data.images ? ` and ${Object.keys(data.images).length} images` : '';
      err.write(
        `Exported ${data.messages.length} messages${images} of ${data.sessionId} to ${target.file}\n`,
      );
      return 0;
    },
  },
  import: {
    args: 1,
    async run({ store, args, flags, out }) {
      const data = readExport(await readFile(args[0]!, 'utf8'));
      const target = flags.session ?? data.sessionId;
      const result = await importSession(store, data, target, { force: flags.force, scopeId: flags.scope });
      out.write(`Imported ${describeImport(result)} into ${target}\n`);
      return 0;
    },
  },
  fork: {
    args: 2,
    async run({ store, args, flags, out }) {
      const result = await forkSession(store, args[0]!, args[1]!, {
        force: flags.force,
        scopeId: flags.scope,
      });
      out.write(`Forked ${args[0]} into ${args[1]} (${describeImport(result)})\n`);
      return 0;
    },
  },
  forget: {
    args: 1,
    async run({ store, args, out }) {
      await store.forget(await requireSession(store, args[0]!));
      out.write(`Forgot ${args[0]}\n`);
      return 0;
    },
  },
};

/** `12 messages`, with the images when there were any (`, 2 images (1 refused: too large)`). */
function describeImport({ messages, images, refusedImages }: ImportResult): string {
  const kept = images > 0 ? `, ${images} images` : '';
  const refused = refusedImages > 0 ? ` (${refusedImages} refused: too large)` : '';
  return `${messages} messages${kept}${refused}`;
}

/** The store on the Redis of `REDIS_URL`, once Redis answers (a plain message within 5 s if it does not). */
async function openStore(): Promise<HistoryStore> {
  const config = loadStorageConfig();
  const redis = new Redis(config.redisUrl, {
    maxRetriesPerRequest: 1,
    connectTimeout: 5_000,
    connectionName: 'parley-cli',
  });
  // Reconnect attempts are reported once, by waitForRedis; ioredis would print each of them itself.
  redis.on('error', () => {});
  try {
    await waitForRedis(redis, 5_000);
  } catch (error) {
    redis.disconnect();
    throw error;
  }
  return createRedisHistoryStore({
    redis,
    ownsConnection: true,
    prefix: config.redisPrefix,
    historyTtlDays: config.historyTtlDays,
  });
}

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
      scope: { type: 'string' },
      force: { type: 'boolean', default: false },
      'with-images': { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
  });
  const [command, ...args] = positionals;
  if (values.help || !command) {
    out.write(USAGE);
    return command || values.help ? 0 : 2;
  }
  const entry = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
  if (!entry) {
    err.write(`Unknown command ${command}\n\n${USAGE}`);
    return 2;
  }
  if (args.length < entry.args) {
    err.write(`parley ${command}: needs ${entry.args} argument(s)\n\n${USAGE}`);
    return 2;
  }
  let store: HistoryStore | undefined;
  try {
    store = await openStore();
    return await entry.run({ store, args, flags: values, out, err });
  } catch (error) {
    if (
      error instanceof SessionToolError ||
      error instanceof ConfigError ||
      error instanceof RedisUnreachableError
    ) {
      err.write(`parley ${command}: ${error.message}\n`);
      return 1;
    }
    throw error;
  } finally {
    await store?.close();
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
