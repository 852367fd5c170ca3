import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { type ParsedCommand, parseSlashCommand } from './command-text.ts';
import {
  ENQUEUE_BUDGET_MS,
  enqueueWithin,
  handleResetCommand,
  NOT_ALLOWED,
  type SlashCommand,
} from './reset-command.ts';
import { postToResponseUrl } from './response-url.ts';
import type { SlackSessionScope } from './slack-session-id.ts';
import { slackSessionId } from './slack-session-id.ts';
import { slackTextToPlain } from './slack-text.ts';

/**
 * Slash commands Parley owns: `/memory`, `/persona`, `/usage`, `/export`, `/forget`, `/reset`, the same with
 * a `parley-` prefix (for workspaces where another app owns the short name), and the umbrella `/parley`.
 */
export const SLASH_COMMAND =
  /^\/(?:parley|(?:parley-)?(?:reset|memory|persona|usage|export|forget|tools|model|help))$/;

/** Ack text when the command could not be queued. */
export const COMMAND_FAILED = 'Sorry, I could not run that command right now — please try again in a moment.';
/** Ack text when queueing takes longer than Slack waits; the answer follows. */
export const COMMAND_PENDING = '…';

/** Options of `handleSlashCommand`. */
export interface SlashCommandOptions {
  /** Where the command's turn goes. */
  sink: TurnSink;
  /** Logger. */
  logger: Logger;
  /** The bot's user id (help texts; its mention is dropped from arguments). */
  botUserId: string | undefined;
  /** `SLACK_SESSION_SCOPE` (only changes the wording of `/reset`). */
  sessionScope?: SlackSessionScope;
  /**
   * How long to wait for the queue before acknowledging anyway (default 2 s of Slack's 3); looking up
   * whether the invoker is an admin takes from it (at most half).
   */
  enqueueBudgetMs?: number;
  /** Whether a user is a workspace admin or owner (`users.info`, cached); without it nobody is. */
  isAdmin?: (userId: string) => Promise<boolean>;
}

/** What to acknowledge the command with: nothing (the worker answers privately later) or an ephemeral text. */
export interface SlashCommandAck {
  /** Ephemeral text for the invoker; absent for an empty acknowledgement. */
  text?: string;
  /** The turn handed to the queue, if any. */
  turn?: Turn;
}

const SAFE = /^[A-Za-z0-9._-]+$/;
const str = (value: unknown): string | undefined =>
  typeof value === 'string' && value !== '' ? value : undefined;

/**
 * The command turn of a slash command: slash commands run in a channel or DM (never in a thread), so the
 * session and its scope are the channel's (or DM's) channel-level session `slack:<team>:<channel>`. The answer
 * goes to the invoker through `response_url`. `null` when the payload lacks or garbles its ids.
 */
export function slashCommandToTurn(
  payload: SlashCommand,
  command: ParsedCommand,
  isPlatformAdmin = false,
): Turn | null {
  const team = str(payload.team_id);
  const channel = str(payload.channel_id);
  const user = str(payload.user_id);
  if (!team || !channel || !user || !SAFE.test(team) || !SAFE.test(channel)) return null;
  const sessionId = slackSessionId({ team, channel });
  const responseUrl = str(payload.response_url);
  const trigger = str(payload.trigger_id) ?? `${channel}:${Date.now()}`;
  return {
    id: `command:${trigger}`,
    sessionId,
    scopeId: sessionId,
    kind: 'command',
    command,
    author: { id: user, name: str(payload.user_name) ?? user, isPlatformAdmin },
    text: `${command.name} ${command.args}`.trim(),
    target: {
      platform: 'slack',
      channelId: channel,
      workspaceId: team,
      invoker: responseUrl?.startsWith('http') ? { userId: user, responseUrl } : { userId: user },
    },
    receivedAt: Date.now(),
  };
}

/**
 * Whether the invoker is a workspace admin, asked for at most `withinMs` (the command must still be queued
 * and acknowledged within Slack's 3 s): an answer that does not come in time counts as no.
 */
async function invokerIsAdmin(
  payload: SlashCommand,
  isAdmin: SlashCommandOptions['isAdmin'],
  withinMs: number,
): Promise<boolean> {
  const user = str(payload.user_id);
  if (!user || !isAdmin) return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), withinMs);
  });
  try {
    return await Promise.race([isAdmin(user).catch(() => false), late]);
  } finally {
    clearTimeout(timer);
  }
}

/**
 * Handles one of Parley's slash commands and says how to acknowledge it. `reset` keeps its own flow (queued
 * and confirmed in the ack); every other command is queued as a `command` turn for the worker, which answers
 * the invoker through `response_url`, and is acknowledged with nothing — or with an error when the queue
 * refused it. A queue slower than Slack's 3 s gets a short "…" ack; should it then fail, the invoker is told
 * through `response_url`. Every turn says whether its author is a workspace admin.
 */
export async function handleSlashCommand(
  payload: SlashCommand,
  options: SlashCommandOptions,
): Promise<SlashCommandAck> {
  // Slack sends the text in its message format: `&`, `<`, `>` escaped, mentions possibly as `<@U…|name>`.
  const text = slackTextToPlain(typeof payload.text === 'string' ? payload.text : '', {
    botUserId: options.botUserId,
  });
  const command = parseSlashCommand(typeof payload.command === 'string' ? payload.command : '', text);
  if (!command) return { text: 'Sorry, I do not know that command. Try `/parley help`.' };
  const budgetMs = options.enqueueBudgetMs ?? ENQUEUE_BUDGET_MS;
  const startedAt = Date.now();
  const isPlatformAdmin = await invokerIsAdmin(payload, options.isAdmin, budgetMs / 2);
  const remainingMs = Math.max(1, budgetMs - (Date.now() - startedAt));
  if (command.name === 'reset') {
    return handleResetCommand(
      { ...payload, text: command.args },
      {
        sink: options.sink,
        logger: options.logger,
        botUserId: options.botUserId,
        sessionScope: options.sessionScope,
        enqueueBudgetMs: remainingMs,
        isPlatformAdmin,
      },
    );
  }
  const turn = slashCommandToTurn(payload, command, isPlatformAdmin);
  if (!turn) return { text: 'Sorry, Slack sent this command without its channel — nothing was done.' };
  return queueCommandTurn(turn, options.sink, options.logger, remainingMs);
}

/** Queues a command turn within `budgetMs` and says how to acknowledge it (see `handleSlashCommand`). */
async function queueCommandTurn(
  turn: Turn,
  sink: TurnSink,
  logger: Logger,
  budgetMs: number,
): Promise<SlashCommandAck> {
  const log = { sessionId: turn.sessionId, turnId: turn.id, command: turn.command?.name };
  const { outcome, settled } = await enqueueWithin(sink, turn, budgetMs, (error) =>
    logger.error({ err: error, ...log }, 'could not enqueue a slash command'),
  );
  logger.info({ ...log, outcome }, 'slash command queued');
  if (outcome === 'failed') return { text: COMMAND_FAILED };
  if (outcome === 'declined') return { text: NOT_ALLOWED };
  if (outcome === 'timeout') {
    const responseUrl = turn.target.invoker?.responseUrl;
    void settled.then(async (result) => {
      if (result === 'ok' || responseUrl === undefined) return;
      const text = result === 'declined' ? NOT_ALLOWED : COMMAND_FAILED;
      await postToResponseUrl(responseUrl, { response_type: 'ephemeral', text }).catch((error: unknown) =>
        logger.warn({ err: error, ...log }, 'could not report the failed slash command'),
      );
    });
    return { text: COMMAND_PENDING, turn };
  }
  return { turn };
}
