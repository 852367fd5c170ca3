/**
 * Tools as the model sees them: the functions a request offers (`ToolDefinition`) and the calls the model makes
 * (`ToolCall`), assembled from streamed pieces by `chat-tool-call-deltas.ts` and `responses-tool-call-items.ts`.
 * What a tool does and where it runs is the tools seam's business (`src/tools/`).
 */

/** A function the model may call. */
export interface ToolDefinition {
  /** Name as the model calls it (`^[A-Za-z0-9_-]{1,64}$`, as both OpenAI APIs demand). */
  name: string;
  /** What the tool does, for the model. */
  description: string;
  /** JSON Schema of the arguments object. */
  parameters: Record<string, unknown>;
}

/** One call the model asked for. */
export interface ToolCall {
  /** The call's id, echoed with its result (Chat Completions `id`, Responses `call_id`). */
  id: string;
  /** The tool's name as offered. */
  name: string;
  /** The arguments as the model wrote them: JSON text, not yet parsed (it may be malformed). */
  arguments: string;
}
