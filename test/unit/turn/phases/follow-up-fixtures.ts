import type { StoredMessage } from '../../../../src/history/history-store.ts';
import { runMessageTurn } from '../../../../src/turn/phases/run-message-turn.ts';
import type { Turn } from '../../../../src/turn/turn.ts';
import { makeJob, makeTurn, RECEIVED_AT, type TestDependencies } from '../turn-fixtures.ts';

/** Alice's message `ref` reading `text`, received `offset` ms after the fixtures' time. */
export function messageTurn(ref: string, text: string, offset = 0): Turn {
  return makeTurn({ id: `msg-${ref}`, messageRef: ref, text, receivedAt: RECEIVED_AT + offset });
}

/** Alice changed (`edit`, with the new text) or removed (`delete`) her message `targetRef`. */
export function changeTurn(kind: 'edit' | 'delete', targetRef: string, text = ''): Turn {
  return makeTurn({ id: `${kind}-${targetRef}`, kind, targetRef, text, receivedAt: RECEIVED_AT + 60_000 });
}

/** Answers each `[ref, text]` in order (seq 1, 2, …) with the model's next scripted answer. */
export async function converse(deps: TestDependencies, messages: Array<[string, string]>): Promise<void> {
  for (const [index, [ref, text]] of messages.entries()) {
    await runMessageTurn(deps, makeJob(messageTurn(ref, text, index), { seq: index + 1 }), deps.logger);
  }
}

/** The stored conversation as `[role, content, ref or replies]`. */
export async function stored(deps: TestDependencies): Promise<Array<[string, string, unknown]>> {
  const messages: StoredMessage[] = await deps.store.load('console:s');
  return messages.map((message) => [
    message.role,
    message.content,
    message.role === 'user' ? message.ref : message.replies?.map((reply) => reply.messageId),
  ]);
}

/** Whether the session's `historyTokens` is still the sum of what it stores. */
export async function tokensAddUp(deps: TestDependencies): Promise<boolean> {
  const [meta, messages] = await Promise.all([deps.store.getMeta('console:s'), deps.store.load('console:s')]);
  return meta.historyTokens === messages.reduce((sum, message) => sum + message.tokens, 0);
}
