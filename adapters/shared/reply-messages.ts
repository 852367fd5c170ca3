import type { PostedMessage } from '../../src/turn/reply-channel.ts';

/** How one platform posts and edits the messages of a reply (the only platform-specific part). */
export interface ReplyMessageDriver {
  /** Posts message `index` of the reply and says where it went. */
  post(text: string, index: number): Promise<PostedMessage>;
  /**
   * Edits a posted message. Resolves false when the platform says the message is gone (deleted, or no longer
   * editable), so it is posted again; throws for any other failure.
   */
  edit(message: PostedMessage, text: string): Promise<boolean>;
}

/** The messages one reply occupies, kept in line with the text it should show. */
export interface ReplyMessages {
  /** The messages posted so far, in reply order (an earlier attempt's first). */
  readonly posted: readonly PostedMessage[];
  /** Makes message `index` show `text`: skipped when this reply already wrote that text there. */
  write(index: number, text: string): Promise<void>;
  /** Posts `text` as a new message after the others. */
  append(text: string): Promise<void>;
  /** Writes each part into its message, in order: edits what changed, posts what is missing. */
  writeAll(parts: readonly string[]): Promise<void>;
  /** Forgets the messages from `count` on (the platform has deleted them) and records the shorter list. */
  truncate(count: number): Promise<void>;
}

/**
 * The messages of one reply, shared by the Slack and Discord reply streams. Messages an earlier, interrupted
 * attempt posted (`previous`) are edited rather than posted again; a message someone deleted meanwhile is
 * posted anew in its place. Every change to the list is handed to `onPosted`, so a re-run can find them.
 */
export function createReplyMessages(
  driver: ReplyMessageDriver,
  previous: readonly PostedMessage[],
  onPosted: (posted: PostedMessage[]) => Promise<void>,
): ReplyMessages {
  const posted: PostedMessage[] = previous.map((message) => ({ ...message }));
  // What each message is known to show (only messages this reply wrote): identical edits are skipped.
  const shown = new Map<number, string>();
  const record = () => onPosted(posted.map((message) => ({ ...message })));

  /** Posts `text` as message `index` (a new one, or the replacement of a gone one) and records the list. */
  const place = async (index: number, text: string): Promise<void> => {
    posted[index] = await driver.post(text, index);
    shown.set(index, text);
    await record();
  };

  const append = (text: string): Promise<void> => place(posted.length, text);

  const write = async (index: number, text: string): Promise<void> => {
    if (shown.get(index) === text) return;
    const existing = posted[index];
    if (existing === undefined) return append(text);
    if (await driver.edit(existing, text)) shown.set(index, text);
    else await place(index, text);
  };

  return {
    posted,
    write,
    append,
    async writeAll(parts) {
      for (const [index, text] of parts.entries()) await write(index, text);
    },
    async truncate(count) {
      posted.length = count;
      for (const index of shown.keys()) if (index >= count) shown.delete(index);
      await record();
    },
  };
}
