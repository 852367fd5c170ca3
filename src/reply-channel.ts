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
}

/** One turn's reply as it is being written: shows progress, streams, then settles on the final text. */
export interface ReplyStream {
  /** Shows that the bot is working (typing, status or a placeholder). */
  showWorking(): Promise<void>;
  /** The reply so far (whole text, not a delta); sent as throttled edits. */
  update(textSoFar: string): void;
  /** Writes the final text, split into as many messages as the platform needs. */
  finish(text: string): Promise<void>;
}

/** The sending side of a platform, used by workers. Needs no inbound connection. */
export interface ReplyChannel {
  /** Platform this channel sends to. */
  readonly platform: Platform;
  /** Starts the reply to one turn. */
  openReply(target: ReplyTarget, options: OpenReplyOptions): ReplyStream;
}
