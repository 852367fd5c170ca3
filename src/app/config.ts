import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { config as loadDotenv } from 'dotenv';
import type { z } from 'zod';
import {
  defaultWindow,
  environmentEntry,
  loadModelCatalogue,
  type ModelCatalogue,
} from '../model/model-catalogue.ts';
import type { ToolSettings } from '../tools/mcp-server-settings.ts';
import { HINTS, optionalString, schema } from './config-schema.ts';
import { ConfigError } from './errors.ts';
import { type RedisSettings, redisSettings } from './redis-settings.ts';
import { parseSuggestedPrompts } from './suggested-prompts.ts';
import { toolSettings } from './tool-settings.ts';

export { contextWindowOf } from '../model/known-models.ts';

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
  /** Every model conversations can pick (`MODELS_FILE`); the environment's model is its `default`. */
  models: ModelCatalogue;
  /** Files and images people attach. */
  files: {
    /** Whether images go to the model: `auto` from the table of known vision models. */
    vision: 'auto' | 'on' | 'off';
    /** OpenAI's image `detail`. */
    imageDetail: 'auto' | 'low' | 'high';
    /** Cap of one text file or PDF in the prompt, in tokens. */
    maxFileTokens: number;
    /** Largest image kept, in bytes. */
    maxImageBytes: number;
  };
  /** Attempts per turn before the user gets an error message. */
  turnMaxAttempts: number;
  /** How to reach Redis (a URL, Cluster seed nodes or Sentinels); undefined for the in-memory default. */
  redis: RedisSettings | undefined;
  /** Prefix of every Redis key. */
  redisPrefix: string;
  /** Which parts run in this process. */
  role: 'ingress' | 'worker' | 'all';
  /** Sessions processed at once by this worker process. */
  workerConcurrency: number;
  /** Shards of the wake-up queue with Redis (`QUEUE_SHARDS`); every process must use the same number. */
  queueShards: number;
  /** How long a worker holds a session; a crashed worker's turn is re-run after this. */
  turnLockMs: number;
  /** The whole turn's time limit, model retries included; past it the user is told when to try again. */
  turnDeadlineMs: number;
  /** Answer messages that arrived while an answer streamed together, in one reply (opt-in). */
  foldBursts: boolean;
  /** Slack, when configured. */
  slack:
    | {
        botToken: string;
        signingSecret: string | undefined;
        appToken: string | undefined;
        apiUrl: string | undefined;
        ignoreBots: boolean;
        /** Post `@channel`, `@here`, `@everyone` and user-group mentions of model output as real pings. */
        allowBroadcastMentions?: boolean;
        /** `thread`: answer every later message in a thread the bot is part of; `mention`: only mentions. */
        followUps?: 'thread' | 'mention';
        /** One conversation per thread (default) or one per channel. */
        sessionScope: 'thread' | 'channel';
        /** Slack's AI app surface (`SLACK_ASSISTANT`): the assistant pane, suggested prompts, titles. */
        assistant?: boolean;
        /** Prompts a new assistant thread suggests (`SLACK_SUGGESTED_PROMPTS`; default: a few general ones). */
        suggestedPrompts?: Array<{ title: string; message: string }>;
        /** How answers stream (`SLACK_STREAMING`): Slack's native streaming, edits of a posted message, or not. */
        streaming?: 'native' | 'edit' | 'off';
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
        /** `thread`: answer every later message in a thread the bot is part of; `mention`: only mentions. */
        followUps?: 'thread' | 'mention';
        /** The privileged Message Content intent is on: follow-ups in threads and edits can be read. */
        messageContent?: boolean;
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
  /** MCP servers, `TOOLS`, the tool loop's limits and web search; undefined when there are no tools. */
  tools?: ToolSettings;
  /** HTTP server for Slack events, health and metrics. */
  http: { port: number; host: string };
  /** What the model and Slack clients send their requests through (`HTTP_CLIENT`). */
  httpClient: 'node' | 'fetch';
  /** The operator's page at `/admin`: on only with a token. */
  admin: { token: string | undefined };
  /** The terminal chat and the CLI. */
  terminal: TerminalConfig;
  /** pino log level. */
  logLevel: string;
  /** Whether LOG_LEVEL was set explicitly (the terminal chat is quieter by default). */
  logLevelSet: boolean;
}

export type Environment = z.infer<typeof schema>;

/** Settings of the terminal chat and the CLI. */
export interface TerminalConfig {
  /** Folder `/export` and `parley export` write files to (`EXPORT_DIR`; default `parley-exports/` here). */
  exportDir: string;
  /** File of the lines typed in the chat, kept across runs; undefined keeps none (`PARLEY_HISTORY_FILE=`). */
  historyFile: string | undefined;
  /** Whether colours and styles may be used (`NO_COLOR` unset); a non-terminal output never gets them. */
  color: boolean;
}

const TERMINAL_VARIABLES = {
  EXPORT_DIR: true,
  PARLEY_HISTORY_FILE: true,
  XDG_STATE_HOME: true,
  NO_COLOR: true,
} as const;

/** Only the terminal settings (the CLI needs no model); throws `ConfigError` naming the variable. */
export function loadTerminalConfig(env: Record<string, string | undefined> = process.env): TerminalConfig {
  const parsed = schema.pick(TERMINAL_VARIABLES).safeParse(env);
  if (!parsed.success) throw invalidVariable(parsed.error);
  const e = parsed.data;
  const history =
    e.PARLEY_HISTORY_FILE ??
    join(e.XDG_STATE_HOME ?? join(homedir(), '.local', 'state'), 'parley', 'chat-history');
  return {
    exportDir: resolve(e.EXPORT_DIR ?? 'parley-exports'),
    historyFile: history.trim() === '' ? undefined : resolve(history.trim()),
    color: e.NO_COLOR === undefined,
  };
}

function parseEnvironment(env: Record<string, string | undefined>): Environment {
  const parsed = schema.safeParse(env);
  if (parsed.success) return parsed.data;
  throw invalidVariable(parsed.error);
}

/** The error of a rejected environment: its first issue, with the variable's hint. */
function invalidVariable(error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const variable = String(issue.path[0] ?? '');
  const hint = HINTS[variable] ? ` — ${HINTS[variable]}` : '';
  return new ConfigError(`${variable} is invalid (${issue.message})${hint}.`, variable);
}

function modelSettings(e: Environment): Config['model'] {
  // An ingress only enqueues: it never calls the model, so it needs no model settings.
  if (!e.OPENAI_API_KEY && !e.OPENAI_BASE_URL && e.PARLEY_ROLE !== 'ingress') {
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
  const maxContextTokens = e.MAX_CONTEXT_TOKENS ?? defaultWindow(e.MODEL).contextWindow;
  if (e.MAX_REPLY_TOKENS >= maxContextTokens) {
    throw new ConfigError(
      `MAX_REPLY_TOKENS (${e.MAX_REPLY_TOKENS}) must be smaller than MAX_CONTEXT_TOKENS (${maxContextTokens}) — lower it or raise MAX_CONTEXT_TOKENS.`,
      'MAX_REPLY_TOKENS',
    );
  }
  return {
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
  };
}

function slackSettings(e: Environment): Config['slack'] {
  if (!e.SLACK_BOT_TOKEN) {
    if (e.SLACK_SIGNING_SECRET || e.SLACK_APP_TOKEN) {
      throw new ConfigError(
        'SLACK_BOT_TOKEN is missing: Slack needs the bot token (xoxb-...) as well.',
        'SLACK_BOT_TOKEN',
      );
    }
    return undefined;
  }
  if (!e.SLACK_SIGNING_SECRET && !e.SLACK_APP_TOKEN) {
    throw new ConfigError(
      'SLACK_BOT_TOKEN is set but neither SLACK_SIGNING_SECRET (HTTP mode) nor SLACK_APP_TOKEN (Socket Mode) is — set one of them.',
      'SLACK_SIGNING_SECRET',
    );
  }
  return {
    botToken: e.SLACK_BOT_TOKEN,
    signingSecret: e.SLACK_SIGNING_SECRET,
    appToken: e.SLACK_APP_TOKEN,
    apiUrl: e.SLACK_API_URL,
    ignoreBots: e.SLACK_IGNORE_BOTS,
    allowBroadcastMentions: e.ALLOW_BROADCAST_MENTIONS,
    followUps: e.FOLLOW_UPS,
    sessionScope: e.SLACK_SESSION_SCOPE,
    assistant: e.SLACK_ASSISTANT,
    suggestedPrompts: parseSuggestedPrompts(e.SLACK_SUGGESTED_PROMPTS),
    streaming: e.SLACK_STREAMING,
  };
}

function discordSettings(e: Environment): Config['discord'] {
  if (!e.DISCORD_TOKEN) return undefined;
  return {
    token: e.DISCORD_TOKEN,
    apiUrl: e.DISCORD_API_URL,
    guildId: e.DISCORD_GUILD_ID,
    replyInThread: e.DISCORD_REPLY_IN_THREAD,
    ignoreBots: e.DISCORD_IGNORE_BOTS,
    followUps: e.FOLLOW_UPS,
    messageContent: e.DISCORD_MESSAGE_CONTENT,
  };
}

function accessSettings(e: Environment): Config['access'] {
  return {
    allowedChannels: e.ALLOWED_CHANNELS,
    deniedChannels: e.DENIED_CHANNELS,
    allowedUsers: e.ALLOWED_USERS,
    deniedUsers: e.DENIED_USERS,
    allowedSlackWorkspaces: e.ALLOWED_SLACK_WORKSPACES,
    allowedDiscordGuilds: e.ALLOWED_DISCORD_GUILDS,
    adminUsers: e.ADMIN_USERS,
    adminCommands: e.ADMIN_COMMANDS,
    channelRepliesPerMinute: e.CHANNEL_REPLIES_PER_MINUTE,
  };
}

/** The catalogue: the environment's model as `default`, then the entries of `MODELS_FILE` when set. */
function modelCatalogue(
  e: Environment,
  env: Record<string, string | undefined>,
  model: Config['model'],
): ModelCatalogue {
  const windowSet = e.MAX_CONTEXT_TOKENS !== undefined;
  const defaultEntry = environmentEntry({ ...model, api: e.MODEL_API, vision: e.VISION, windowSet });
  if (e.MODELS_FILE === undefined) return { defaultName: defaultEntry.name, entries: [defaultEntry] };
  const requireKeys = e.PARLEY_ROLE !== 'ingress';
  return loadModelCatalogue(e.MODELS_FILE, { env, defaults: defaultEntry, defaultEntry, requireKeys });
}

/**
 * Parses and validates the environment once. Throws `ConfigError` naming the variable at fault.
 * Only this module (with its schema) reads `process.env`.
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const e = parseEnvironment(env);
  const model = modelSettings(e);
  return {
    model,
    models: modelCatalogue(e, env, model),
    files: {
      vision: e.VISION,
      imageDetail: e.IMAGE_DETAIL,
      maxFileTokens: e.MAX_FILE_TOKENS,
      maxImageBytes: e.MAX_IMAGE_BYTES,
    },
    turnMaxAttempts: e.TURN_MAX_ATTEMPTS,
    redis: redisSettings(e),
    redisPrefix: e.REDIS_PREFIX,
    role: e.PARLEY_ROLE,
    workerConcurrency: e.WORKER_CONCURRENCY,
    queueShards: e.QUEUE_SHARDS,
    turnLockMs: e.TURN_LOCK_MS,
    turnDeadlineMs: e.TURN_DEADLINE_MS,
    foldBursts: e.FOLD_BURSTS,
    slack: slackSettings(e),
    discord: discordSettings(e),
    modelApi: e.MODEL_API,
    summary: { enabled: e.SUMMARY === 'on', threshold: e.SUMMARY_THRESHOLD },
    budgets: { perUserDaily: e.MAX_DAILY_TOKENS_PER_USER, perChannelDaily: e.MAX_DAILY_TOKENS_PER_CHANNEL },
    historyTtlDays: e.HISTORY_TTL_DAYS,
    slackSessionScope: e.SLACK_SESSION_SCOPE,
    sessionRotate: e.SESSION_ROTATE,
    access: accessSettings(e),
    tools: toolSettings(e),
    http: { port: e.PORT, host: e.HOST },
    httpClient: e.HTTP_CLIENT,
    admin: { token: e.ADMIN_TOKEN },
    terminal: loadTerminalConfig(env),
    logLevel: e.LOG_LEVEL,
    logLevelSet: optionalString.parse(env.LOG_LEVEL) !== undefined,
  };
}

/** Reads `.env` (if present) into the environment without overriding variables already set. */
export function loadEnvFile(path = '.env'): void {
  loadDotenv({ path, quiet: true });
}
