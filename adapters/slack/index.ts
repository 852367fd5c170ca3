/**
 * Slack adapter (Bolt): mentions, DMs, follow-ups in followed threads (addressed to others: `listen`), edits,
 * deletes and slash commands become turns; replies and command answers go out through the Web API (workers
 * need no inbound connection).
 * - Receiving: `create-slack-ingress.ts` wires `slack-receivers.ts` (HTTP via `slack-events-route.ts`, or
 *   Socket Mode via `ack-events-after-listeners.ts`) and `slack-listeners.ts`; an event is acknowledged only
 *   once its turn is queued, else refused (`event-not-queued.ts`) for Slack to redeliver. Messages:
 *   `message-handler.ts` → `event-admission.ts` (duplicates), `in-order-runner.ts`, `enqueue-message.ts`
 *   (`user-directory.ts`: names and admins, `channel-directory.ts`: channel names, `thread-context.ts`,
 *   `enqueue-in-time.ts`, `confirm-reset.ts`). `event-to-turn.ts` converts events (`to-turn.ts` with
 *   `read-message-event.ts`; `to-amend-turn.ts` for edits and deletes) and says which thread a turn follows or
 *   needs followed. Commands: `slash-command.ts`, `command-text.ts`, `reset-command.ts`. The assistant pane
 *   (`SLACK_ASSISTANT`): `assistant-pane.ts` on Bolt's `Assistant` (`assistant-threads.ts` in memory, or
 *   `redis-assistant-threads.ts` with `note-viewed-channel-1.lua`; `viewed-channel.ts`).
 *   Buttons: `feedback-action.ts` (👍/👎, `answer-blocks.ts`) and `stop-action.ts` (Stop, `stop-control.ts`).
 * - Sending: `create-slack-reply-channel.ts` opens a `slack-reply-stream.ts` per turn (`show-thinking-status.ts`,
 *   `slack-message-driver.ts` under `../shared/reply-messages.ts`, `markdown-to-mrkdwn.ts`, `split-message.ts`),
 *   or with `SLACK_STREAMING=native` in threads a `native-reply-stream.ts` (`write-streamed-message.ts`,
 *   falling back to the former), all within one workspace budget (`../../src/rate-limit/`), and deletes replies; `command-responder.ts` answers the invoker (`tell-invoker.ts`, `response-url.ts`,
 *   `upload-command-file.ts`).
 * - Both: `slack-client-options.ts`, `slack-errors.ts`, `slack-start-error.ts`, `slack-logger.ts`, `slack-session-id.ts`, `slack-text.ts`,
 *   `recent-set.ts`.
 */
export { createCommandResponder } from './command-responder.ts';
export {
  type ParsedCommand,
  parseCommandText,
  parseSlashCommand,
  parseUmbrellaText,
} from './command-text.ts';
export { createSlackIngress, SLACK_EVENTS_PATH, type SlackIngressOptions } from './create-slack-ingress.ts';
export {
  createSlackReplyChannel,
  type SlackReplyChannelOptions,
  STATUS_DELAY_MS,
} from './create-slack-reply-channel.ts';
export { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';
export {
  conversationOf,
  parseSlackSessionId,
  type SlackSessionScope,
  slackScopeId,
  slackSessionId,
} from './slack-session-id.ts';
export { handleSlashCommand, SLASH_COMMAND, slashCommandToTurn } from './slash-command.ts';
export { SLACK_MESSAGE_LIMIT, splitMessage } from './split-message.ts';
export { toTurn } from './to-turn.ts';
