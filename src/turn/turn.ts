import type { Attachment } from '../attachments/attachment.ts';

/** The chat platforms Parley speaks on. */
export type Platform = 'slack' | 'discord' | 'console';

/** Who wrote a message. */
export interface Author {
  /** Platform user id (stable). */
  id: string;
  /** Display name shown to the model so it can tell speakers apart. */
  name: string;
  /**
   * Whether the platform itself makes this person an admin where the turn was made: a Slack workspace (or
   * org) admin or owner; on Discord, Manage Server, or Manage Channels in that channel; in the terminal chat,
   * its user (who runs the process). Set by the adapters on every turn they build (false when the platform
   * could not tell); absent on turns queued before it existed, which count as not an admin. `ADMIN_USERS` adds
   * people on top of these.
   */
  isPlatformAdmin?: boolean;
}

/**
 * Where a reply goes. Opaque to the core: each adapter fills and reads its own fields.
 * Kept JSON-serialisable because it travels through the queue.
 */
export interface ReplyTarget {
  /** Platform that owns this target. */
  platform: Platform;
  /** Channel (or DM channel) id. */
  channelId: string;
  /** Thread to answer in (Slack `thread_ts`, Discord thread channel id), if any. */
  threadId?: string;
  /** Message being answered (Discord replies reference it). */
  replyToMessageId?: string;
  /** Workspace / guild id, for adapters that need it when sending. */
  workspaceId?: string;
  /**
   * Who ran a command and how to answer only them: Slack `response_url` (slash commands) or an ephemeral
   * message to `userId`; Discord the interaction's application id and token.
   */
  invoker?: { userId: string; responseUrl?: string; applicationId?: string; interactionToken?: string };
  /**
   * The person the answer is for (the question's author) and their team: Slack addresses a stream outside a DM
   * to them (`recipient_user_id`, `recipient_team_id`). Absent on turns queued before it existed, and on turns
   * of a bot or of edits: such answers are not streamed natively in a channel (they are posted and edited).
   */
  recipient?: { userId: string; teamId?: string };
}

/** An earlier message of a conversation that the platform already had before Parley saw it (thread backfill). */
export interface ContextMessage {
  /** Who wrote it. */
  author: Author;
  /** Whether the bot itself wrote it. */
  fromBot: boolean;
  /** Its text. */
  text: string;
  /** When it was written, ms since epoch. */
  at: number;
}

/** Chat commands every platform offers (Slack: slash command or `@bot <command>`; Discord: application commands). */
export type CommandName =
  | 'reset'
  | 'memory'
  | 'persona'
  | 'usage'
  | 'export'
  | 'forget'
  | 'tools'
  | 'model'
  | 'help';

/** All command names, for parsing. */
export const COMMAND_NAMES: readonly CommandName[] = [
  'reset',
  'memory',
  'persona',
  'usage',
  'export',
  'forget',
  'tools',
  'model',
  'help',
];

/** One unit of work for a session, produced by an adapter and processed in order by a worker. */
export interface Turn {
  /** Platform-unique id of the triggering event/message: enqueueing the same id twice processes it once. */
  id: string;
  /** Session the turn belongs to (see session-id.ts). */
  sessionId: string;
  /**
   * `message`: answer the text; `reset`: clear the session's memory; `command`: run `command`;
   * `listen`: remember the text without answering (a message in a followed thread addressed to someone else);
   * `edit`: the message `targetRef` now reads `text`; `delete`: the message `targetRef` was removed.
   */
  kind: 'message' | 'reset' | 'command' | 'listen' | 'edit' | 'delete';
  /**
   * The platform's id of the message this turn carries (Slack `ts`, Discord message id). Stored with the
   * message, so a later edit or delete of it finds it.
   */
  messageRef?: string;
  /** `edit` and `delete`: the platform id (`messageRef`) of the message that was changed or removed. */
  targetRef?: string;
  /** The command of a `command` turn, e.g. `{ name: 'persona', args: 'You are a pirate.' }`. */
  command?: { name: CommandName; args: string };
  /**
   * The channel-level session whose persona, budget and `/forget` cover this one (a thread's channel).
   * Defaults to `sessionId`.
   */
  scopeId?: string;
  /** Who sent it. */
  author: Author;
  /** The user's text (empty for `reset`). */
  text: string;
  /** Where the reply goes. */
  target: ReplyTarget;
  /** When the platform received it, ms since epoch (the message's own time: `/forget` and history order by it). */
  receivedAt: number;
  /**
   * When Parley received it, ms since epoch, set as it enters the queue; queue and turn durations are measured
   * from it, so a late delivery or a skewed platform clock does not inflate them. Absent: `receivedAt`.
   */
  acceptedAt?: number;
  /**
   * Files attached to the message, as the platform describes them (downloaded by the worker). Never carries
   * credentials: a Slack file's `Authorization` header is added by the worker from its own bot token.
   */
  attachments?: Attachment[];
  /** Earlier messages to seed a new session with (e.g. a Slack thread the bot is first mentioned in). */
  context?: ContextMessage[];
}
