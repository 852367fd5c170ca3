/**
 * The environment's schema: every variable Parley reads, its parser and default, and what to do when a value
 * is rejected. `config.ts` turns the parsed variables into the typed `Config`.
 */
import { z } from 'zod';

const DEFAULT_SYSTEM_PROMPT =
  'You are Parley, a helpful assistant in a team chat. Several people may talk to you in one conversation; ' +
  "each of their messages starts with the speaker's name. Answer concisely and use Markdown where it helps.";

export const optionalString = z
  .string()
  .optional()
  .transform((value) => (value === undefined || value.trim() === '' ? undefined : value.trim()));

/** A numeric variable: undefined when unset, an issue when not a number within `min`..`max`. */
const numberVar = (options: { min: number; max?: number; integer?: boolean }) =>
  optionalString.transform((value, context) => {
    if (value === undefined) return undefined;
    const number = Number(value);
    const max = options.max ?? Number.MAX_SAFE_INTEGER;
    if (
      !Number.isFinite(number) ||
      number < options.min ||
      number > max ||
      (options.integer && !Number.isInteger(number))
    ) {
      const kind = options.integer ? 'a whole number' : 'a number';
      context.addIssue({
        code: 'custom',
        message: `expected ${kind} from ${options.min} to ${max}, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return number;
  });

const positiveInt = (fallback: number) =>
  numberVar({ min: 1, integer: true }).transform((value) => value ?? fallback);

const nonNegativeInt = (fallback: number) =>
  numberVar({ min: 0, integer: true }).transform((value) => value ?? fallback);

const bool = (fallback: boolean) =>
  optionalString.transform((value, context) => {
    if (value === undefined) return fallback;
    if (/^(1|true|yes|on)$/i.test(value)) return true;
    if (/^(0|false|no|off)$/i.test(value)) return false;
    context.addIssue({ code: 'custom', message: 'expected true or false' });
    return z.NEVER;
  });

const url = optionalString.pipe(z.url().optional());

/** An http(s) URL: anything else (a bare host, `localhost:11434/v1`) would fail at the first model call. */
const httpUrl = optionalString.pipe(z.url({ protocol: /^https?$/ }).optional());

/** Node's timers hold at most 2^31−1 ms; a larger value silently becomes 1 ms, so it is refused here. */
export const MAX_TIMER_MS = 2 ** 31 - 1;

const timerMs = (fallback: number, min = 1) =>
  numberVar({ min, max: MAX_TIMER_MS, integer: true }).transform((value) => value ?? fallback);

/** A comma-separated list of `host:port` pairs; empty when unset. */
const hostPortList = optionalString.transform((value, context) => {
  if (value === undefined) return [];
  const nodes: Array<{ host: string; port: number }> = [];
  for (const item of value
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0)) {
    const match = /^(\[[^\]]+\]|[^:]+):(\d{1,5})$/.exec(item);
    const port = Number(match?.[2]);
    if (!match || port < 1 || port > 65535) {
      context.addIssue({ code: 'custom', message: `expected host:port, got ${JSON.stringify(item)}` });
      return z.NEVER;
    }
    nodes.push({ host: match[1]!.replace(/^\[|\]$/g, ''), port });
  }
  return nodes;
});

/** A comma-separated list of ids; empty when unset. */
const idList = optionalString.transform((value) =>
  value === undefined
    ? []
    : value
        .split(',')
        .map((item) => item.trim())
        .filter((item) => item.length > 0),
);

/** A fraction strictly between 0 and 1. */
const fraction = (fallback: number) =>
  optionalString.transform((value, context) => {
    if (value === undefined) return fallback;
    const number = Number(value);
    if (!Number.isFinite(number) || number <= 0 || number >= 1) {
      context.addIssue({
        code: 'custom',
        message: `expected a number between 0 and 1, got ${JSON.stringify(value)}`,
      });
      return z.NEVER;
    }
    return number;
  });

export const schema = z.object({
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: httpUrl,
  MODEL: optionalString.transform((value) => value ?? 'gpt-4o-mini'),
  SYSTEM_PROMPT: optionalString.transform((value) => value ?? DEFAULT_SYSTEM_PROMPT),
  TEMPERATURE: numberVar({ min: 0, max: 2 }),
  MAX_CONTEXT_TOKENS: numberVar({ min: 256, integer: true }),
  MAX_REPLY_TOKENS: positiveInt(1000),
  MAX_HISTORY_MESSAGES: numberVar({ min: 1, integer: true }),
  MODEL_TIMEOUT_MS: timerMs(60_000),
  MODEL_MAX_RETRIES: nonNegativeInt(2),
  TURN_MAX_ATTEMPTS: positiveInt(3),
  REDIS_URL: optionalString.pipe(z.url({ protocol: /^rediss?$/ }).optional()),
  REDIS_CLUSTER_NODES: hostPortList,
  REDIS_SENTINELS: hostPortList,
  REDIS_SENTINEL_NAME: optionalString,
  REDIS_PASSWORD: optionalString,
  REDIS_TLS: bool(false),
  REDIS_PREFIX: optionalString
    .pipe(
      z
        .string()
        .regex(/^[A-Za-z0-9._-]+$/, 'use letters, digits, dot, dash or underscore')
        .optional(),
    )
    .transform((value) => value ?? 'parley'),
  PARLEY_ROLE: optionalString
    .pipe(z.enum(['ingress', 'worker', 'all']).optional())
    .transform((v) => v ?? 'all'),
  // Turns mostly wait on the model: 200 at once keep a busy workspace's conversations from queueing behind
  // each other's model calls (BENCHMARKS.md, 200 threads with a 1 s model: 41 answers/s at 50, 128/s at 200).
  WORKER_CONCURRENCY: positiveInt(200),
  QUEUE_SHARDS: positiveInt(1),
  TURN_LOCK_MS: timerMs(30_000, 1000),
  TURN_DEADLINE_MS: timerMs(120_000, 1000),
  ALLOW_BROADCAST_MENTIONS: bool(false),
  FOLLOW_UPS: optionalString.pipe(z.enum(['thread', 'mention']).optional()).transform((v) => v ?? 'thread'),
  DISCORD_MESSAGE_CONTENT: bool(false),
  FOLD_BURSTS: bool(false),
  VISION: optionalString.pipe(z.enum(['auto', 'on', 'off']).optional()).transform((v) => v ?? 'auto'),
  IMAGE_DETAIL: optionalString.pipe(z.enum(['auto', 'low', 'high']).optional()).transform((v) => v ?? 'auto'),
  MAX_FILE_TOKENS: positiveInt(8_000),
  MAX_IMAGE_BYTES: positiveInt(20 * 1024 * 1024),
  MCP_CONFIG: optionalString,
  TOOLS: optionalString,
  MAX_TOOL_ROUNDS: numberVar({ min: 1, max: 50, integer: true }).transform((value) => value ?? 5),
  TOOL_TIMEOUT_MS: timerMs(30_000),
  TOOL_CONFIRM_TIMEOUT_MS: timerMs(120_000, 1000),
  MAX_TOOL_RESULT_TOKENS: positiveInt(4_000),
  WEB_SEARCH: optionalString.pipe(z.enum(['on', 'off']).optional()).transform((v) => v === 'on'),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: url,
  SLACK_IGNORE_BOTS: bool(true),
  SLACK_ASSISTANT: bool(false),
  SLACK_SUGGESTED_PROMPTS: optionalString,
  SLACK_STREAMING: optionalString
    .pipe(z.enum(['native', 'edit', 'off']).optional())
    .transform((v) => v ?? 'native'),
  DISCORD_TOKEN: optionalString,
  DISCORD_API_URL: url,
  DISCORD_GUILD_ID: optionalString,
  DISCORD_REPLY_IN_THREAD: bool(false),
  DISCORD_IGNORE_BOTS: bool(true),
  MODELS_FILE: optionalString,
  MODEL_API: optionalString.pipe(z.enum(['chat', 'responses']).optional()).transform((v) => v ?? 'chat'),
  HTTP_CLIENT: optionalString.pipe(z.enum(['node', 'fetch']).optional()).transform((v) => v ?? 'node'),
  SUMMARY: optionalString.pipe(z.enum(['on', 'off']).optional()).transform((v) => v ?? 'on'),
  SUMMARY_THRESHOLD: fraction(0.7),
  MAX_DAILY_TOKENS_PER_USER: numberVar({ min: 1, integer: true }),
  MAX_DAILY_TOKENS_PER_CHANNEL: numberVar({ min: 1, integer: true }),
  HISTORY_TTL_DAYS: numberVar({ min: 1, integer: true }),
  SLACK_SESSION_SCOPE: optionalString
    .pipe(z.enum(['thread', 'channel']).optional())
    .transform((v) => v ?? 'thread'),
  SESSION_ROTATE: optionalString.pipe(z.enum(['off', 'daily']).optional()).transform((v) => v ?? 'off'),
  ALLOWED_CHANNELS: idList,
  DENIED_CHANNELS: idList,
  ALLOWED_USERS: idList,
  DENIED_USERS: idList,
  ALLOWED_SLACK_WORKSPACES: idList,
  ALLOWED_DISCORD_GUILDS: idList,
  ADMIN_USERS: idList,
  ADMIN_COMMANDS: optionalString
    .pipe(
      z
        .string()
        .regex(/^[a-z]+(,\s*[a-z]+)*$/, 'use a comma-separated list of command names')
        .optional(),
    )
    .transform((value) => (value ?? 'persona,forget,tools,model').split(',').map((name) => name.trim())),
  CHANNEL_REPLIES_PER_MINUTE: numberVar({ min: 1, integer: true }),
  EXPORT_DIR: optionalString,
  // Set but empty keeps no history file, so `optionalString` (empty = unset) would not do.
  PARLEY_HISTORY_FILE: z.string().optional(),
  XDG_STATE_HOME: optionalString,
  // no-color.org: present and not empty turns colour off.
  NO_COLOR: optionalString,
  // The operator's page (/admin) is off without it; a short token could be guessed.
  ADMIN_TOKEN: optionalString.pipe(z.string().min(16, 'use at least 16 characters').optional()),
  PORT: numberVar({ min: 0, max: 65535, integer: true }).transform((value) => value ?? 3000),
  HOST: optionalString.transform((value) => value ?? '0.0.0.0'),
  LOG_LEVEL: optionalString
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional())
    .transform((value) => value ?? 'info'),
});

/** What to fix, per variable, when its value is rejected. */
export const HINTS: Record<string, string> = {
  OPENAI_BASE_URL:
    'set it to the full http:// or https:// URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1',
  REDIS_URL:
    'set it to a redis:// or rediss:// URL such as redis://localhost:6379, or unset it to use the in-memory default',
  REDIS_CLUSTER_NODES: 'list seed nodes as host:port,host:port',
  REDIS_SENTINELS: 'list sentinels as host:port,host:port',
  MODEL_TIMEOUT_MS: `use a whole number of milliseconds up to ${2 ** 31 - 1}`,
  TURN_LOCK_MS: `use a whole number of milliseconds from 1000 to ${2 ** 31 - 1}`,
  TURN_DEADLINE_MS: `use a whole number of milliseconds from 1000 to ${2 ** 31 - 1}`,
  PARLEY_ROLE: 'use ingress, worker or all',
  MAX_TOOL_ROUNDS: 'use a whole number of rounds from 1 to 50',
  TOOL_TIMEOUT_MS: `use a whole number of milliseconds up to ${2 ** 31 - 1}`,
  TOOL_CONFIRM_TIMEOUT_MS: `use a whole number of milliseconds from 1000 up to ${2 ** 31 - 1}`,
  MAX_TOOL_RESULT_TOKENS: 'use a positive whole number of tokens',
  WEB_SEARCH: 'use on or off',
  SLACK_STREAMING: 'use native (Slack streaming, falling back to edits), edit or off',
  VISION: 'use auto (known vision models), on or off',
  HTTP_CLIENT: "use node (node:http with kept-alive connections) or fetch (Node's built-in fetch)",
  IMAGE_DETAIL: 'use auto, low or high',
  FOLLOW_UPS: 'use thread (answer every message in a thread the bot is part of) or mention',
  MAX_CONTEXT_TOKENS: 'use a whole number of tokens, at least 256',
  MAX_REPLY_TOKENS: 'use a positive whole number of tokens',
  TEMPERATURE: 'use a number from 0 to 2',
  ADMIN_TOKEN:
    'use a random string of at least 16 characters (e.g. openssl rand -hex 24), or unset it to turn /admin off',
  PORT: 'use a port number from 0 to 65535',
  LOG_LEVEL: 'use one of fatal, error, warn, info, debug, trace, silent',
};
