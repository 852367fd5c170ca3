import type { Response, ResponseStreamEvent } from 'openai/resources/responses/responses';
import type { ToolCall } from './model-tools.ts';

/** Collects a Responses API stream's `function_call` items and the web pages its answer cites. */
export interface ResponsesToolCallItems {
  /** Takes one event; only function-call items and their argument deltas are read. */
  read(event: ResponseStreamEvent): void;
  /** The calls, in output order; the final response's items win over what the deltas assembled. */
  calls(final: Response): ToolCall[];
  /** The `url_citation` annotations of the final response's text (web search sources), without repeats. */
  sources(final: Response): Array<{ url: string; title?: string }>;
}

/**
 * A `function_call` item is announced by `response.output_item.added` (call id and name, arguments empty), its
 * arguments stream as `response.function_call_arguments.delta` keyed by the item id, and
 * `response.output_item.done` repeats it whole. Servers that skip the deltas still list the item in the final
 * response, which is read last.
 */
export function createResponsesToolCallItems(): ResponsesToolCallItems {
  const byItem = new Map<string, { order: number; call: ToolCall }>();
  const remember = (
    item: { id?: string; call_id: string; name: string; arguments: string },
    order: number,
  ) => {
    const key = item.id ?? item.call_id;
    const known = byItem.get(key);
    const call = {
      id: item.call_id,
      name: item.name,
      arguments: item.arguments || known?.call.arguments || '',
    };
    byItem.set(key, { order: known?.order ?? order, call });
  };
  return {
    read(event) {
      if (event.type === 'response.output_item.added' || event.type === 'response.output_item.done') {
        if (event.item.type === 'function_call') remember(event.item, event.output_index);
      } else if (event.type === 'response.function_call_arguments.delta') {
        const known = byItem.get(event.item_id);
        if (known) known.call.arguments += event.delta;
      }
    },
    calls(final) {
      (final.output ?? []).forEach((item, index) => {
        if (item.type === 'function_call') remember(item, index);
      });
      return [...byItem.values()].sort((a, b) => a.order - b.order).map(({ call }) => call);
    },
    sources(final) {
      const seen = new Map<string, { url: string; title?: string }>();
      for (const item of final.output ?? []) {
        if (item.type !== 'message') continue;
        for (const part of item.content) {
          if (part.type !== 'output_text') continue;
          for (const note of part.annotations ?? []) {
            if (note.type === 'url_citation' && !seen.has(note.url)) {
              seen.set(note.url, note.title ? { url: note.url, title: note.title } : { url: note.url });
            }
          }
        }
      }
      return [...seen.values()];
    },
  };
}
