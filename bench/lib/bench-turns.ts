import type { Turn } from '../../src/turn/turn.ts';

/**
 * A turn as an adapter would hand it over, addressed to the bench's recording reply channel (platform
 * `console`). The target carries what the recorder needs: session (`channelId`), the turn's index in its
 * session (`threadId`) and the turn id (`replyToMessageId`). The text starts with `#t<id>` so a model
 * wrapper can tell which turn a request belongs to.
 */
export function benchTurn(sessionId: string, index: number, turnId: number, text: string): Turn {
  return {
    id: `t${turnId}`,
    sessionId,
    kind: 'message',
    author: { id: `U${(turnId % 97) + 1}`, name: `User ${(turnId % 97) + 1}` },
    text: `#t${turnId} m${index} ${text}`,
    target: {
      platform: 'console',
      channelId: sessionId,
      threadId: String(index),
      replyToMessageId: String(turnId),
    },
    receivedAt: Date.now(),
  };
}

/** Short user text used where the prompt's size is not what is measured (about 12 tokens). */
export const SHORT_TEXT = 'can you check why the queue keeps growing when workers restart';

/** The turn id in a prompt's last message (`#t<id>`), or undefined. */
export function turnIdIn(content: string): number | undefined {
  const matches = content.match(/#t(\d+)/g);
  const last = matches?.at(-1);
  return last ? Number(last.slice(2)) : undefined;
}
