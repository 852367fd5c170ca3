import type { Logger } from '../../src/app/logger.ts';
import type { TurnSink } from '../../src/queue/turn-queue.ts';
import type { Turn } from '../../src/turn/turn.ts';
import { isDirectMessageChannel, type SlackSessionScope, slackSessionId } from './slack-session-id.ts';

/** The fields of a slash command payload that Parley reads. Untrusted: every field is checked. */
export interface SlashCommand {
  command?: unknown;
  text?: unknown;
  team_id?: unknown;
  channel_id?: unknown;
  user_id?: unknown;
  user_name?: unknown;
  trigger_id?: unknown;
  response_url?: unknown;
}

/** What the invoker sees (ephemeral), and whether a reset turn was enqueued. */
export interface ResetOutcome {
  /** Ephemeral text for the invoker. */
  text: string;
  /** The reset turn handed to the queue, if any. */
  turn?: Turn;
}

const SAFE = /^[A-Za-z0-9._-]+$/;
/** Slack must get the command's answer within 3 s; leave room for the network. */
export const ENQUEUE_BUDGET_MS = 2_000;

/** How the bot is written in help texts: a mention (rendered as its name, no notification in ephemerals). */
function botName(botUserId: string | undefined): string {
  return botUserId ? `<@${botUserId}>` : '@Parley';
}

/** Help shown for `/reset help` and any unknown argument. */
export function resetHelp(botUserId: string | undefined, sessionScope: SlackSessionScope = 'thread'): string {
  const first = '`/reset` makes me forget the conversation where you run it: this DM, or this channel.';
  if (sessionScope === 'channel') {
    return `${first}\nAll threads of a channel share its memory; in a thread, *${botName(botUserId)} reset* does the same.`;
  }
  return [
    first,
    `Each thread has its own memory — to clear one, write *${botName(botUserId)} reset* in that thread.`,
  ].join('\n');
}

/**
 * Ephemeral confirmation after a reset. `channel` with the `channel` session scope covers every thread of
 * the channel, so it does not point at per-thread resets.
 */
export function resetConfirmation(
  scope: 'dm' | 'channel' | 'thread',
  botUserId: string | undefined,
  sessionScope: SlackSessionScope = 'thread',
): string {
  if (scope === 'thread') return '🧹 Done — I have forgotten this thread. The next mention starts fresh.';
  if (scope === 'dm')
    return '🧹 Done — I have forgotten our conversation here. The next message starts fresh.';
  if (sessionScope === 'channel')
    return "🧹 Done — I have cleared this channel's memory, threads included. The next mention starts fresh.";
  return `🧹 Done — I have cleared this channel's memory. Threads keep their own: write *${botName(botUserId)} reset* in a thread to clear it.`;
}

/**
 * Handles `/reset [args]`: no argument enqueues a reset turn for the session of the channel it was run in
 * (a DM → the DM session; a channel → the channel-level session `slack:<team>:<channel>`, since slash
 * commands cannot run inside threads); anything else answers with help and clears nothing.
 */
export async function handleResetCommand(
  command: SlashCommand,
  options: {
    sink: TurnSink;
    logger: Logger;
    botUserId: string | undefined;
    sessionScope?: SlackSessionScope;
    enqueueBudgetMs?: number;
    /** Whether the invoker is a workspace admin (see `Author.isPlatformAdmin`). */
    isPlatformAdmin?: boolean;
  },
): Promise<ResetOutcome> {
  const argument = typeof command.text === 'string' ? command.text.trim().toLowerCase() : '';
  if (argument !== '') return { text: resetHelp(options.botUserId, options.sessionScope) };

  const { team_id: team, channel_id: channel, user_id: user } = command;
  if (typeof team !== 'string' || typeof channel !== 'string' || typeof user !== 'string') {
    return { text: 'Sorry, Slack sent this command without its channel — nothing was reset.' };
  }
  if (!SAFE.test(team) || !SAFE.test(channel)) return { text: 'Sorry, I cannot reset this conversation.' };
  const trigger = typeof command.trigger_id === 'string' ? command.trigger_id : `${channel}:${Date.now()}`;
  const sessionId = slackSessionId({ team, channel });
  const turn: Turn = {
    id: `reset:${trigger}`,
    sessionId,
    scopeId: sessionId,
    kind: 'reset',
    author: {
      id: user,
      name: typeof command.user_name === 'string' ? command.user_name : user,
      isPlatformAdmin: options.isPlatformAdmin === true,
    },
    text: '',
    target: { platform: 'slack', channelId: channel, workspaceId: team },
    receivedAt: Date.now(),
  };

  const { outcome } = await enqueueWithin(
    options.sink,
    turn,
    options.enqueueBudgetMs ?? ENQUEUE_BUDGET_MS,
    (error) => options.logger.error({ err: error, sessionId: turn.sessionId }, 'could not enqueue the reset'),
  );
  if (outcome === 'failed')
    return { text: 'Sorry, I could not reset right now — please try again in a moment.' };
  if (outcome === 'declined') return { text: NOT_ALLOWED };
  options.logger.info({ sessionId: turn.sessionId, outcome }, 'reset requested by command');
  if (outcome === 'timeout') return { text: 'Resetting… this may take a moment.', turn };
  return {
    text: resetConfirmation(
      isDirectMessageChannel(channel) ? 'dm' : 'channel',
      options.botUserId,
      options.sessionScope,
    ),
    turn,
  };
}

/** The answer to someone the access rules leave out: nothing was done. */
export const NOT_ALLOWED = 'Sorry, I cannot do that for you here — nothing was changed.';

/** How an enqueue within Slack's 3 s went, and how it ends when it took longer. */
export interface TimedEnqueue {
  /**
   * `ok`, `declined` (the access rules refused it), `failed` (already reported through `onError`), or
   * `timeout` while the enqueue goes on.
   */
  outcome: 'ok' | 'declined' | 'failed' | 'timeout';
  /** Settles with the final result, also after a timeout. */
  settled: Promise<'ok' | 'declined' | 'failed'>;
}

/** Enqueues a turn, but waits at most `budgetMs` for it (Slack wants a command's answer within 3 s). */
export async function enqueueWithin(
  sink: TurnSink,
  turn: Turn,
  budgetMs: number,
  onError: (error: unknown) => void,
): Promise<TimedEnqueue> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => resolve('timeout'), budgetMs);
  });
  const settled = sink.enqueue(turn).then(
    (result) => (result.declined ? ('declined' as const) : ('ok' as const)),
    (error: unknown) => {
      onError(error);
      return 'failed' as const;
    },
  );
  const outcome = await Promise.race([settled, timeout]);
  clearTimeout(timer);
  return { outcome, settled };
}
