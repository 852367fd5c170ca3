import type { ModelErrorKind } from '../app/errors.ts';

/**
 * Names the cause of a model endpoint's error from its status and body, across providers whose bodies differ:
 * OpenAI and Azure (`code`), Groq (`type: "tokens"`), DeepSeek (`type: "authentication_error"`), vLLM
 * (`"code": 404` as a number), llama.cpp (`type: "exceed_context_size_error"`), Ollama (a message only),
 * OpenRouter (an HTTP status as `code`, inside a 200 stream). Pure, so it can be checked against recorded bodies.
 */

/** What an endpoint said about a failure. */
export interface EndpointFailure {
  /** HTTP status; `undefined` for an error sent inside an already started stream. */
  status: number | undefined;
  /** `error.code`: a string (`invalid_api_key`), a number (vLLM, OpenRouter) or absent. */
  code?: unknown;
  /** `error.type`. */
  type?: unknown;
  /** `error.message`, or whatever text the endpoint sent. */
  message: string;
}

/** The kinds worth trying again: the same request may well succeed later. */
const TRANSIENT_KINDS: ReadonlySet<ModelErrorKind> = new Set(['rate_limit', 'unavailable', 'timeout']);

const QUOTA_TAG = /insufficient_quota|insufficient_balance|billing|quota_exceeded|credits?_/;
const QUOTA_TEXT =
  /exceeded your current quota|insufficient (balance|credits?|funds|quota)|out of credits?|billing (details|hard limit)|payment required/i;
const FILTER_TAG = /content_filter|content_policy|moderation|safety/;
const CONTEXT_TAG = /context_length|exceed_context_size|context_window|string_above_max_length/;
const CONTEXT_TEXT =
  /maximum context length|context (length|size|window)|(prompt|input) is too long|input tokens exceed|too many tokens in (the )?(prompt|input)|reduce the length of the messages/i;
const RATE_TAG = /rate_limit|too_many_requests|^tokens$|^requests$/;
const AUTH_TAG = /invalid_api_key|authentication|unauthori[sz]ed|permission_denied|access_denied/;
const REQUEST_FAULT_TAG = /invalid|unsupported|not_found|image|policy/;
const MODEL_TAG = /model_not_found|deploymentnotfound/;
// Model names contain dots (`llama3.2`, `Qwen1.5-14B`), so the gap is bounded rather than stopped at a full stop.
const MODEL_TEXT =
  /\bmodel\b.{0,160}?\b(not found|does not exist|is not (available|served|supported))|deployment.{0,80}?does not exist|not a valid model/i;

/** The cause of a failure. */
export function classifyEndpointFailure(failure: EndpointFailure): ModelErrorKind {
  const tags = [failure.code, failure.type]
    .filter((tag) => typeof tag === 'string' || typeof tag === 'number')
    .map((tag) => String(tag).toLowerCase());
  const tagged = (pattern: RegExp) => tags.some((tag) => pattern.test(tag));
  const text = failure.message;
  // OpenRouter puts the HTTP status it would have sent into `code` of an in-stream error (`{"code": 429}`).
  const status = failure.status ?? statusFromCode(failure.code);

  if (status === 402 || tagged(QUOTA_TAG) || QUOTA_TEXT.test(text)) return 'quota';
  if (tagged(FILTER_TAG)) return 'content_filter';
  // Rate-limit messages talk about tokens too, so only a non-429 is read for context wording.
  if (status === 413 || tagged(CONTEXT_TAG) || (status !== 429 && CONTEXT_TEXT.test(text))) {
    return 'context_length';
  }
  if (status === 429 || tagged(RATE_TAG)) return 'rate_limit';
  if (status === 401 || status === 403 || tagged(AUTH_TAG)) return 'auth';
  if (tagged(MODEL_TAG) || ((status === undefined || status < 500) && MODEL_TEXT.test(text))) {
    return 'model_not_found';
  }
  if (status === 408 || tagged(/timeout/)) return 'timeout';
  // An in-stream error is the server's trouble unless its code blames the request.
  if (status === undefined) return tagged(REQUEST_FAULT_TAG) ? 'bad_request' : 'unavailable';
  return status === 409 || status >= 500 ? 'unavailable' : 'bad_request';
}

/** Whether a failure of this kind, with this HTTP status (if any), is worth another attempt. */
export function isTransientFailure(kind: ModelErrorKind, status: number | undefined): boolean {
  if (!TRANSIENT_KINDS.has(kind)) return false;
  return status === undefined || status === 408 || status === 409 || status === 429 || status >= 500;
}

function statusFromCode(code: unknown): number | undefined {
  const number = typeof code === 'number' ? code : typeof code === 'string' ? Number(code) : Number.NaN;
  return Number.isInteger(number) && number >= 400 && number < 600 ? number : undefined;
}
