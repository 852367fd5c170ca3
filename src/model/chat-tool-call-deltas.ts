import type { ToolCall } from './model-tools.ts';

/** A `delta.tool_calls` entry as it streams: the first piece names the call, later ones add to its arguments. */
interface ToolCallDelta {
  index?: number;
  id?: string;
  function?: { name?: string; arguments?: string };
}

/** Merges streamed Chat Completions `tool_calls` pieces into whole calls. */
export interface ChatToolCallDeltas {
  /** Takes a chunk's `choice.delta.tool_calls` (anything else is ignored). */
  add(deltas: unknown): void;
  /** The calls so far, in index order; calls that never got a name are left out. */
  calls(): ToolCall[];
}

/**
 * Chat Completions streams each tool call in pieces keyed by `index`: the id and name usually come first and
 * the arguments JSON is spread over many chunks. Some servers repeat the id or name on every piece, so a name
 * is only set once and never appended to; a call without an id gets one, since its result must cite it.
 */
export function createChatToolCallDeltas(): ChatToolCallDeltas {
  const byIndex = new Map<number, { id: string; name: string; arguments: string }>();
  return {
    add(deltas) {
      if (!Array.isArray(deltas)) return;
      for (const raw of deltas as ToolCallDelta[]) {
        if (typeof raw !== 'object' || raw === null) continue;
        const index = typeof raw.index === 'number' ? raw.index : byIndex.size;
        let call = byIndex.get(index);
        if (!call) {
          call = { id: '', name: '', arguments: '' };
          byIndex.set(index, call);
        }
        if (typeof raw.id === 'string' && raw.id !== '' && call.id === '') call.id = raw.id;
        const fn = raw.function;
        if (typeof fn?.name === 'string' && fn.name !== '' && call.name === '') call.name = fn.name;
        if (typeof fn?.arguments === 'string') call.arguments += fn.arguments;
      }
    },
    calls() {
      return [...byIndex.entries()]
        .sort(([a], [b]) => a - b)
        .filter(([, call]) => call.name !== '')
        .map(([index, call]) => ({ ...call, id: call.id || `call_${index}` }));
    },
  };
}
