/**
 * Tool calls in the fake OpenAI server's replies: a scripted reply (`FakeReply.toolCalls`) streams each call the
 * way OpenAI does — a first `tool_calls` delta with the call's index, id and name, then its arguments JSON in
 * several small pieces — and ends with `finish_reason: "tool_calls"`.
 */

/** A tool call the fake model makes. */
export interface FakeToolCall {
  /** The call id (default `call_<n>`). */
  id?: string;
  /** The function's name. */
  name: string;
  /** The arguments JSON, as the model writes it (it may be malformed on purpose). */
  arguments: string;
}

/** A tool call's id as sent: its own, or one numbered by its place. */
export function toolCallId(call: FakeToolCall, index: number): string {
  return call.id ?? `call_${index}`;
}

/** The `delta` objects that stream these calls: per call its head, then its arguments `pieceChars` at a time. */
export function toolCallDeltas(
  calls: readonly FakeToolCall[],
  pieceChars = 5,
): Array<Record<string, unknown>> {
  const deltas: Array<Record<string, unknown>> = [];
  calls.forEach((call, index) => {
    deltas.push({
      tool_calls: [
        {
          index,
          id: toolCallId(call, index),
          type: 'function',
          function: { name: call.name, arguments: '' },
        },
      ],
    });
    for (let at = 0; at < call.arguments.length; at += pieceChars) {
      deltas.push({
        tool_calls: [{ index, function: { arguments: call.arguments.slice(at, at + pieceChars) } }],
      });
    }
  });
  return deltas;
}

/** The calls as a non-streamed message's `tool_calls`. */
export function toolCallsMessage(calls: readonly FakeToolCall[]): Array<Record<string, unknown>> {
  return calls.map((call, index) => ({
    id: toolCallId(call, index),
    type: 'function',
    function: { name: call.name, arguments: call.arguments },
  }));
}

/** A Responses API input item the fake reads as part of a tool exchange. */
interface ToolInputItem {
  type?: string;
  call_id?: string;
  name?: string;
  arguments?: string;
  output?: unknown;
}

/**
 * A Responses `function_call` input item as a chat-like assistant message with `tool_calls`, and a
 * `function_call_output` as a `tool` message, so reply generators read both APIs the same way.
 */
export function toolInputMessage(
  item: ToolInputItem,
): { role: string; content: string; tool_calls?: unknown[]; tool_call_id?: string } | undefined {
  if (item.type === 'function_call') {
    const call = {
      id: item.call_id ?? '',
      type: 'function',
      function: { name: item.name ?? '', arguments: item.arguments ?? '' },
    };
    return { role: 'assistant', content: '', tool_calls: [call] };
  }
  if (item.type === 'function_call_output') {
    return {
      role: 'tool',
      content: typeof item.output === 'string' ? item.output : JSON.stringify(item.output),
      tool_call_id: item.call_id ?? '',
    };
  }
  return undefined;
}

/** The calls as Responses `function_call` output items (arguments empty while `started`). */
export function functionCallItems(
  calls: readonly FakeToolCall[],
  responseNumber: number,
  stage: 'started' | 'final',
) {
  return calls.map((call, index) => ({
    type: 'function_call',
    id: `fc_${responseNumber}_${index}`,
    call_id: toolCallId(call, index),
    name: call.name,
    arguments: stage === 'started' ? '' : call.arguments,
    status: stage === 'started' ? 'in_progress' : 'completed',
  }));
}

/** The stream events of the calls: each item added, its arguments in pieces, then done. */
export function functionCallEvents(
  calls: readonly FakeToolCall[],
  responseNumber: number,
  pieceChars = 5,
): Array<[string, Record<string, unknown>]> {
  const started = functionCallItems(calls, responseNumber, 'started');
  const final = functionCallItems(calls, responseNumber, 'final');
  const events: Array<[string, Record<string, unknown>]> = [];
  calls.forEach((call, index) => {
    events.push(['response.output_item.added', { output_index: index, item: started[index] }]);
    for (let at = 0; at < call.arguments.length; at += pieceChars) {
      const delta = call.arguments.slice(at, at + pieceChars);
      events.push([
        'response.function_call_arguments.delta',
        { item_id: started[index]!.id, output_index: index, delta },
      ]);
    }
    events.push([
      'response.function_call_arguments.done',
      { item_id: started[index]!.id, output_index: index, arguments: call.arguments },
    ]);
    events.push(['response.output_item.done', { output_index: index, item: final[index] }]);
  });
  return events;
}
