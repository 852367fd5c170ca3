import { type ModelError, type ModelErrorKind, PreviousResponseLostError } from '../app/errors.ts';

/**
 * Responses API mode: the stored chain a request continued, plus the new turn, is longer than the model accepts
 * (a context-length error on a chained request, from a server that does not honour `truncation: "auto"`).
 *
 * A `PreviousResponseLostError` on purpose: the remedy is the same — drop the chain and resend the conversation
 * from the local transcript, which the prompt assembly trims to `MAX_CONTEXT_TOKENS` — so a caller that already
 * rebuilds a lost chain handles this too. `kind` is `context_length`; `cause` is the endpoint's own error.
 */
export class ResponseChainTooLongError extends PreviousResponseLostError {
  /** Always `context_length`. */
  override readonly kind: ModelErrorKind = 'context_length';

  constructor(responseId: string, cause: ModelError) {
    super(responseId, { status: cause.status, cause });
    this.message = `the response chain ending at ${responseId} is longer than the model accepts; resend the conversation from the local transcript`;
  }
}
