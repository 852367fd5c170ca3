import { config as loadDotenv } from 'dotenv';
import { z } from 'zod';
import { ConfigError } from './errors.ts';

const DEFAULT_SYSTEM_PROMPT =
  'You are Parley, a helpful assistant in a team chat. Several people may talk to you in one conversation; ' +
  "each of their messages starts with the speaker's name. Answer concisely and use Markdown where it helps.";

const optionalString = z
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

const schema = z.object({
  OPENAI_API_KEY: optionalString,
  OPENAI_BASE_URL: url,
  MODEL: optionalString.transform((value) => value ?? 'gpt-4o-mini'),
  SYSTEM_PROMPT: optionalString.transform((value) => value ?? DEFAULT_SYSTEM_PROMPT),
  TEMPERATURE: numberVar({ min: 0, max: 2 }),
  MAX_CONTEXT_TOKENS: numberVar({ min: 256, integer: true }),
  MAX_REPLY_TOKENS: positiveInt(1000),
  MAX_HISTORY_MESSAGES: numberVar({ min: 1, integer: true }),
  MODEL_TIMEOUT_MS: positiveInt(60_000),
  MODEL_MAX_RETRIES: nonNegativeInt(2),
  TURN_MAX_ATTEMPTS: positiveInt(3),
  REDIS_URL: url,
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
  WORKER_CONCURRENCY: positiveInt(50),
  TURN_LOCK_MS: numberVar({ min: 1000, integer: true }).transform((value) => value ?? 30_000),
  SLACK_BOT_TOKEN: optionalString,
  SLACK_SIGNING_SECRET: optionalString,
  SLACK_APP_TOKEN: optionalString,
  SLACK_API_URL: url,
  SLACK_IGNORE_BOTS: bool(true),
  DISCORD_TOKEN: optionalString,
  DISCORD_API_URL: url,
  DISCORD_GUILD_ID: optionalString,
  DISCORD_REPLY_IN_THREAD: bool(false),
  DISCORD_IGNORE_BOTS: bool(true),
  MODEL_API: optionalString.pipe(z.enum(['chat', 'responses']).optional()).transform((v) => v ?? 'chat'),
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
    .transform((value) => (value ?? 'persona,forget').split(',').map((name) => name.trim())),
  CHANNEL_REPLIES_PER_MINUTE: numberVar({ min: 1, integer: true }),
  PORT: numberVar({ min: 0, max: 65535, integer: true }).transform((value) => value ?? 3000),
  HOST: optionalString.transform((value) => value ?? '0.0.0.0'),
  LOG_LEVEL: optionalString
    .pipe(z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).optional())
    .transform((value) => value ?? 'info'),
});

/** What to fix, per variable, when its value is rejected. */
const HINTS: Record<string, string> = {
  OPENAI_BASE_URL: 'set it to the full URL of an OpenAI-compatible API, e.g. http://localhost:11434/v1',
  REDIS_URL: 'set it to a Redis URL such as redis://localhost:6379, or unset it to use the in-memory default',
  PARLEY_ROLE: 'use ingress, worker or all',
  MAX_CONTEXT_TOKENS: 'use a whole number of tokens, at least 256',
  MAX_REPLY_TOKENS: 'use a positive whole number of tokens',
  TEMPERATURE: 'use a number from 0 to 2',
  PORT: 'use a port number from 0 to 65535',
  LOG_LEVEL: 'use one of fatal, error, warn, info, debug, trace, silent',
};

/** Context windows of common models, used when MAX_CONTEXT_TOKENS is not set. */
const CONTEXT_WINDOWS: Array<[RegExp, number]> = [
  [/^gpt-4\.1/, 1_047_576],
  [/^gpt-4o/, 128_000],
  [/^gpt-4-turbo/, 128_000],
  [/^gpt-4-32k/, 32_768],
  [/^gpt-4/, 8_192],
  [/^gpt-3\.5-turbo/, 16_385],
];

/** A model's context window, or 16000 when unknown. */
export function contextWindowOf(model: string): number {
  return CONTEXT_WINDOWS.find(([pattern]) => pattern.test(model))?.[1] ?? 16_000;
}

/** Validated configuration of one Parley process. */
export interface Config {
  /** The model endpoint and prompt budget. */
  model: {
    apiKey: string | undefined;
    baseUrl: string | undefined;
    name: string;
    systemPrompt: string;
    temperature: number | undefined;
    maxContextTokens: number;
    maxReplyTokens: number;
    maxHistoryMessages: number | undefined;
    timeoutMs: number;
    maxRetries: number;
  };
  /** Attempts per turn before the user gets an error message. */
  turnMaxAttempts: number;
  /** Redis URL, or undefined for the embedded in-memory default. */
  redisUrl: string | undefined;
  /** Prefix of every Redis key. */
  redisPrefix: string;
  /** Which parts run in this process. */
  role: 'ingress' | 'worker' | 'all';
  /** Sessions processed at once by this worker process. */
  workerConcurrency: number;
  /** How long a worker holds a session; a crashed worker's turn is re-run after this. */
  turnLockMs: number;
  /** Slack, when configured. */
  slack:
    | {
        botToken: string;
        signingSecret: string | undefined;
        appToken: string | undefined;
        apiUrl: string | undefined;
        ignoreBots: boolean;
        /** One conversation per thread (default) or one per channel. */
        sessionScope: 'thread' | 'channel';
      }
    | undefined;
  /** Discord, when configured. */
  discord:
    | {
        token: string;
        apiUrl: string | undefined;
        guildId: string | undefined;
        replyInThread: boolean;
        ignoreBots: boolean;
      }
    | undefined;
  /** Which OpenAI API: chat completions (history resent each turn) or Responses (chained server-side). */
  modelApi: 'chat' | 'responses';
  /** Rolling summaries: on, and the share of the history budget that triggers one. */
  summary: { enabled: boolean; threshold: number };
  /** Daily token budgets (undefined: unlimited). */
  budgets: { perUserDaily: number | undefined; perChannelDaily: number | undefined };
  /** Days an idle session is kept (undefined: forever). */
  historyTtlDays: number | undefined;
  /** Slack: one conversation per thread (default) or per channel. */
  slackSessionScope: 'thread' | 'channel';
  /** `daily` starts a fresh conversation every UTC day. */
  sessionRotate: 'off' | 'daily';
  /** Who may talk to the bot where; empty allow lists allow everyone. */
  access: {
    allowedChannels: string[];
    deniedChannels: string[];
    allowedUsers: string[];
    deniedUsers: string[];
    allowedSlackWorkspaces: string[];
    allowedDiscordGuilds: string[];
    adminUsers: string[];
    adminCommands: string[];
    channelRepliesPerMinute: number | undefined;
  };
  /** HTTP server for Slack events, health and metrics. */
  http: { port: number; host: string };
  /** pino log level. */
  logLevel: string;
  /** Whether LOG_LEVEL was set explicitly (the terminal chat is quieter by default). */
  logLevelSet: boolean;
}

/**
 * Parses and validates the environment once. Throws `ConfigError` naming the variable at fault.
 * Only this module reads `process.env`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const parsed = schema.safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? '');
    const hint = HINTS[variable] ? ` — ${HINTS[variable]}` : '';
    throw new ConfigError(`${variable} is invalid (${issue.message})${hint}.`, variable);
  }
  const e = parsed.data;

  if (!e.OPENAI_API_KEY && !e.OPENAI_BASE_URL) {
    throw new ConfigError(
      [
        'No model is configured: set OPENAI_API_KEY or OPENAI_BASE_URL.',
        '  • OpenAI: OPENAI_API_KEY=sk-... (and optionally MODEL=gpt-4o-mini)',
        '  • A local OpenAI-compatible server needs no key, only its URL and a model it serves:',
        '      Ollama:    OPENAI_BASE_URL=http://localhost:11434/v1 MODEL=llama3.2',
        '      LM Studio: OPENAI_BASE_URL=http://localhost:1234/v1 MODEL=<loaded model>',
        '      vLLM:      OPENAI_BASE_URL=http://localhost:8000/v1 MODEL=<served model>',
        'Put them in the environment or in a .env file (see .env.example).',
      ].join('\n'),
      'OPENAI_API_KEY',
    );
  }

  const maxContextTokens = e.MAX_CONTEXT_TOKENS ?? Math.min(contextWindowOf(e.MODEL), 128_000);
  if (e.MAX_REPLY_TOKENS >= maxContextTokens) {
    throw new ConfigError(
      `MAX_REPLY_TOKENS (${e.MAX_REPLY_TOKENS}) must be smaller than MAX_CONTEXT_TOKENS (${maxContextTokens}) — lower it or raise MAX_CONTEXT_TOKENS.`,
      'MAX_REPLY_TOKENS',
    );
  }

  let slack: Config['slack'];
  if (e.SLACK_BOT_TOKEN) {
    if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
      throw new ConfigError(
        'SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is — set one of them.',
        'SLACK_SIGNING_SECRET',
      );
    }
    slack = {
      botToken: e.SLACK_BOT_TOKEN,
      signingSecret: e.SLACK_SIGNING_SECRET,
      appToken: e.SLACK_APP_TOKEN,
      apiUrl: e.SLACK_API_URL,
      ignoreBots: e.SLACK_IGNORE_BOTS,
      sessionScope: e.SLACK_SESSION_SCOPE,
    };
  } else if (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN is missing: Slack needs the bot token (xoxb-...) as well.',
      'SLACK_BOT_TOKEN',
    );
  }

  const discord: Config['discord'] = e.DISCORD_TOKEN
    ? {
        token: e.DISCORD_TOKEN,
        apiUrl: e.DISCORD_API_URL,
        guildId: e.DISCORD_GUILD_ID,
        replyInThread: e.DISCORD_REPLY_IN_THREAD,
        ignoreBots: e.DISCORD_IGNORE_BOTS,
      }
    : undefined;

  return {
    model: {
      apiKey: e.OPENAI_API_KEY,
      baseUrl: e.OPENAI_BASE_URL,
      name: e.MODEL,
      systemPrompt: e.SYSTEM_PROMPT,
      temperature: e.TEMPERATURE,
      maxContextTokens,
      maxReplyTokens: e.MAX_REPLY_TOKENS,
      maxHistoryMessages: e.MAX_HISTORY_MESSAGES,
      timeoutMs: e.MODEL_TIMEOUT_MS,
      maxRetries: e.MODEL_MAX_RETRIES,
    },
    turnMaxAttempts: e.TURN_MAX_ATTEMPTS,
    redisUrl: e.REDIS_URL,
    redisPrefix: e.REDIS_PREFIX,
    role: e.PARLEY_ROLE,
    workerConcurrency: e.WORKER_CONCURRENCY,
    turnLockMs: e.TURN_LOCK_MS,
    slack,
    discord,
    modelApi: e.MODEL_API,
    summary: { enabled: e.SUMMARY === 'on', threshold: e.SUMMARY_THRESHOLD },
    budgets: { perUserDaily: e.MAX_DAILY_TOKENS_PER_USER, perChannelDaily: e.MAX_DAILY_TOKENS_PER_CHANNEL },
    historyTtlDays: e.HISTORY_TTL_DAYS,
    slackSessionScope: e.SLACK_SESSION_SCOPE,
    sessionRotate: e.SESSION_ROTATE,
    access: {
      allowedChannels: e.ALLOWED_CHANNELS,
      deniedChannels: e.DENIED_CHANNELS,
      allowedUsers: e.ALLOWED_USERS,
      deniedUsers: e.DENIED_USERS,
      allowedSlackWorkspaces: e.ALLOWED_SLACK_WORKSPACES,
      allowedDiscordGuilds: e.ALLOWED_DISCORD_GUILDS,
      adminUsers: e.ADMIN_USERS,
      adminCommands: e.ADMIN_COMMANDS,
      channelRepliesPerMinute: e.CHANNEL_REPLIES_PER_MINUTE,
    },
    http: { port: e.PORT, host: e.HOST },
    logLevel: e.LOG_LEVEL,
    logLevelSet: optionalString.parse(env.LOG_LEVEL) !== undefined,
  };
}

/** Reads `.env` (if present) into the environment without overriding variables already set. */
export function loadEnvFile(path = '.env'): void {
  loadDotenv({ path, quiet: true });
}

/** What the `parley` CLI needs: only the storage settings (no model, no platforms). */
export interface StorageConfig {
  /** Redis URL (the CLI requires it). */
  redisUrl: string;
  /** Prefix of every Redis key. */
  redisPrefix: string;
  /** Retention in days, if set. */
  historyTtlDays: number | undefined;
}

/** Parses the storage settings for the `parley` CLI; throws `ConfigError` naming the variable. */
export function loadStorageConfig(env: Record<string, string | undefined> = process.env): StorageConfig {
  const parsed = schema.pick({ REDIS_URL: true, REDIS_PREFIX: true, HISTORY_TTL_DAYS: true }).safeParse(env);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const variable = String(issue.path[0] ?? '');
    throw new ConfigError(`${variable} is invalid (${issue.message}).`, variable);
  }
  if (!parsed.data.REDIS_URL) {
    throw new ConfigError(
      'REDIS_URL is not set: the parley CLI works on the conversations stored in Redis (e.g. REDIS_URL=redis://localhost:6379).',
      'REDIS_URL',
    );
  }
  return {
    redisUrl: parsed.data.REDIS_URL,
    redisPrefix: parsed.data.REDIS_PREFIX,
    historyTtlDays: parsed.data.HISTORY_TTL_DAYS,
  };
}
