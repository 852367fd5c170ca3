import type { Turn } from '../src/turn/turn.ts';
import type { ChatCompletionRequestBody, WireChatMessage } from '../test/fakes/fake-openai-server.ts';

/**
 * Naming and content of the soak's turns. Turn `t` of session `s` says `s<s>-t<t>`; the fake model answers
 * `ack s<s>-t<t> after t1,…,t<t-1>`, listing the markers of the earlier user messages it found in the prompt, so
 * every reply proves which history (and in which order) its prompt was built from.
 */

/** Prefix of every Redis key and of every id of the soak. */
export const SOAK_PREFIX = 'soak';

const MARKER = /\bs(\d+)-t(\d+)\b/g;

/** Session id of session `session` (1-based). */
export const soakSessionId = (session: number) => `console:${SOAK_PREFIX}-s${session}`;
/** Channel its replies are posted in. */
export const soakChannelId = (session: number) => `${SOAK_PREFIX}-ch-s${session}`;
/** Platform id of turn `turn` of session `session`; the reply answers it. */
export const soakTurnId = (session: number, turn: number) => `${SOAK_PREFIX}-s${session}-t${turn}`;
/** What the user says in that turn. */
export const soakText = (session: number, turn: number) => `s${session}-t${turn}`;

/** The turn as an adapter would hand it to the queue. */
export function soakTurn(session: number, turn: number): Turn {
  return {
    id: soakTurnId(session, turn),
    sessionId: soakSessionId(session),
    kind: 'message',
    author: { id: 'U1', name: 'Soak' },
    text: soakText(session, turn),
    target: {
      platform: 'console',
      channelId: soakChannelId(session),
      replyToMessageId: soakTurnId(session, turn),
    },
    receivedAt: Date.now(),
  };
}

const contentText = (content: WireChatMessage['content']): string =>
  typeof content === 'string' ? content : (content ?? []).map((part) => part.text ?? '').join('');

/** The fake model's answer to a prompt. */
export function soakReply(body: ChatCompletionRequestBody): string {
  const turns: string[] = [];
  let current = '';
  for (const message of body.messages) {
    if (message.role !== 'user') continue;
    for (const match of contentText(message.content).matchAll(MARKER)) {
      if (current) turns.push(`t${current.split('-t')[1]}`);
      current = match[0];
    }
  }
  if (!current) return 'ack (no marker)';
  return `ack ${current} after ${turns.length > 0 ? turns.join(',') : '-'}`;
}

/** The answer to turn `turn` of session `session` when every earlier user message is in the prompt, in order. */
export function expectedSoakReply(session: number, turn: number): string {
  const earlier = Array.from({ length: turn - 1 }, (_, index) => `t${index + 1}`);
  return `ack ${soakText(session, turn)} after ${earlier.length > 0 ? earlier.join(',') : '-'}`;
}
