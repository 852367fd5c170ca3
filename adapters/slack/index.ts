export { createCommandResponder } from './command-responder.ts';
export {
  type ParsedCommand,
  parseCommandText,
  parseSlashCommand,
  parseUmbrellaText,
} from './command-text.ts';
export { createSlackIngress, SLACK_EVENTS_PATH, type SlackIngressOptions } from './create-slack-ingress.ts';
export { createSlackReplyChannel, type SlackReplyChannelOptions } from './create-slack-reply-channel.ts';
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
