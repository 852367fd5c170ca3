import type { ConfirmPrompt, ConfirmQuestion } from '../tools/tool-confirmation.ts';
import type { Platform, ReplyTarget } from './turn.ts';

/** A message the bot posted on a platform, enough to edit it later. */
export interface PostedMessage {
  /** Channel the message is in. */
  channelId: string;
  /** Platform message id (Slack `ts`, Discord snowflake). */
  messageId: string;
}

/** Options for one turn's reply. */
export interface OpenReplyOptions {
  /** Messages already posted for this turn by an earlier, interrupted attempt: edit these instead of posting anew. */
  previous: PostedMessage[];
  /** Called whenever the set of posted messages grows, so a re-run can find them. */
  onPosted: (posted: PostedMessage[]) => Promise<void>;
  /**
   * Set when a Stop can end this answer (a message turn: its run listens for stops under the turn's id), for
   * platforms that show the Stop control on the answer and check who pressed it.
   */
  stoppable?: StoppableTurn;
}

/** The turn a Stop control ends. */
export interface StoppableTurn {
  /** The turn's id, which a stop request names. */
  turnId: string;
  /** Who asked (the turn's author): besides admins, the one who may stop it. */
  askerId: string;
}

/** Facts about a finished reply that a platform may show (the console prints them after each reply). */
export interface ReplyDetails {
  /** Whether the text is an error message rather than the model's answer. */
  isError: boolean;
  /** Prompt and completion tokens of the model call, when one succeeded. */
  usage?: { promptTokens: number; completionTokens: number };
  /** Cost in USD, `null` when the model's price is unknown. */
  costUsd?: number | null;
  /** Which answer this is, for feedback buttons under it; only on the model's answers, never on errors. */
  answer?: AnswerRef;
}

/** Which answer a reply is: what feedback on it is recorded against. */
export interface AnswerRef {
  /** The conversation. */
  sessionId: string;
  /** Its channel-level scope. */
  scopeId: string;
  /** The model that wrote it. */
  model: string;
}

/** One turn's reply as it is being written: shows progress, streams, then settles on the final text. */
export interface ReplyStream {
  /** Shows that the bot is working (typing, status or a placeholder). */
  showWorking(): Promise<void>;
  /** The reply so far (whole text, not a delta); sent as throttled edits. */
  update(textSoFar: string): void;
  /** Writes the final text, split into as many messages as the platform needs. */
  finish(text: string, details?: ReplyDetails): Promise<void>;
  /** Shows that tools are running (`server.tool` names), e.g. "Using fs.read_file…"; optional per platform. */
  showToolUse?(toolNames: readonly string[]): Promise<void>;
  /** Asks the turn's author whether a tool marked `"confirm": true` may run (buttons, or a y/N line). */
  askToConfirm?(question: ConfirmQuestion): Promise<ConfirmPrompt>;
}

/** A command's answer, for the invoker only. */
export interface CommandResponse {
  /** Text (Markdown). */
  text: string;
  /** A file to attach (e.g. `/export`'s JSON). */
  file?: { name: string; content: string };
}

/** The sending side of a platform, used by workers. Needs no inbound connection. */
export interface ReplyChannel {
  /** Platform this channel sends to. */
  readonly platform: Platform;
  /** Starts the reply to one turn. */
  openReply(target: ReplyTarget, options: OpenReplyOptions): ReplyStream;
  /**
   * Answers a command privately to `target.invoker` (Slack: `response_url` or an ephemeral message; Discord:
   * the interaction's follow-up). Without it, the answer is posted in the conversation.
   */
  respond?(target: ReplyTarget, response: CommandResponse): Promise<void>;
  /**
   * Deletes messages the bot posted (the reply to a message its author deleted). Messages already gone are
   * skipped; platforms that cannot delete (the terminal) leave it out.
   */
  deleteReply?(target: ReplyTarget, posted: PostedMessage[]): Promise<void>;
}
