import { ModelError, PreviousResponseLostError } from '../app/errors.ts';

/** Who reads the sentence. */
export interface DescribeModelErrorOptions {
  /**
   * The reader runs the bot (the terminal chat): the server's own message and the endpoint URL are appended.
   * Leave false in Slack and Discord, where end users read it.
   */
  operator: boolean;
}

/**
 * The sentence a user reads when the model could not answer, naming the cause (`ModelError.kind`): a wrong key,
 * a model the server does not have, a conversation too long, a rate limit and how long it asked to wait, an
 * account out of credit, a filtered answer. Scheduling a retry ("retrying in 20 s") is the caller's business;
 * this gives the seconds the endpoint asked for. Never carries a key: server messages are redacted when the
 * error is built, and the endpoint URL has no credentials or query.
 */
export function describeModelError(error: unknown, options: DescribeModelErrorOptions): string {
  if (!(error instanceof ModelError)) return 'Something went wrong while calling the model.';
  const sentence = causeSentence(error);
  return options.operator ? `${sentence}${operatorDetails(error)}` : sentence;
}

function causeSentence(error: ModelError): string {
  // A lost chain (not one that grew too long) is the only kind a caller normally recovers from unseen.
  if (error instanceof PreviousResponseLostError && error.kind !== 'context_length') {
    return 'The model server no longer has the earlier part of this conversation.';
  }
  switch (error.kind) {
    case 'auth':
      return error.status === 403
        ? 'The model endpoint refused this API key access to the model.'
        : 'The model endpoint rejected the API key.';
    case 'model_not_found':
      return modelNotFound(error);
    case 'context_length':
      return 'This conversation is longer than the model accepts.';
    case 'rate_limit':
      return rateLimited(error.retryAfterSeconds);
    case 'quota':
      return 'The account at the model provider is out of credit.';
    case 'content_filter':
      return 'The provider filtered this answer.';
    case 'timeout':
      return 'The model took too long to answer.';
    case 'unavailable':
      return 'The model endpoint is not responding properly right now.';
    case 'empty_reply':
      return error.isRetryable
        ? 'The model returned an empty answer.'
        : 'The model used its whole reply budget before writing any text.';
    case 'aborted':
      return 'The request to the model was cancelled.';
    case 'bad_request':
      return `The model endpoint rejected the request${error.status ? ` (HTTP ${error.status})` : ''}.`;
  }
}

function modelNotFound(error: ModelError): string {
  const model = error.model ? `Model ${error.model}` : 'The configured model';
  // Ollama's words (`model "x" not found, try pulling it first`): the remedy is on the operator's machine.
  const ollama = /try pulling it|ollama pull/i.test(error.serverMessage ?? '');
  if (ollama)
    return `${model} is not on that server; pull it first${error.model ? ` (ollama pull ${error.model})` : ''}.`;
  return `${model} is not on that server.`;
}

function rateLimited(retryAfterSeconds: number | undefined): string {
  if (retryAfterSeconds === undefined) return 'The model endpoint is rate-limiting requests.';
  const seconds = Math.max(1, Math.ceil(retryAfterSeconds));
  return `The model endpoint is rate-limiting requests and asked to wait ${seconds} s.`;
}

function operatorDetails(error: ModelError): string {
  // The chain-too-long error keeps the endpoint's own error as its cause.
  const source = error.serverMessage === undefined && error.cause instanceof ModelError ? error.cause : error;
  const said = source.serverMessage
    ? ` The server said: "${source.serverMessage}"`
    : ` Detail: ${source.message}`;
  const where = source.endpoint ? ` Endpoint: ${source.endpoint}` : '';
  return `${said}${where}`;
}
