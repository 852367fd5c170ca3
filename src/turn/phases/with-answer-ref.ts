import type { ReplyDetails } from '../reply-channel.ts';
import type { Turn } from '../turn.ts';

/** The details of a successful answer with the reference feedback buttons under it are recorded against. */
export function withAnswerRef(details: ReplyDetails, turn: Turn, model: string): ReplyDetails {
  if (details.isError) return details;
  return {
    ...details,
    answer: { sessionId: turn.sessionId, scopeId: turn.scopeId ?? turn.sessionId, model },
  };
}
