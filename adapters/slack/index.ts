export { createSlackIngress, SLACK_EVENTS_PATH, type SlackIngressOptions } from './create-slack-ingress.ts';
export { createSlackReplyChannel, type SlackReplyChannelOptions } from './create-slack-reply-channel.ts';
export { markdownToMrkdwn } from './markdown-to-mrkdwn.ts';
export { parseSlackSessionId, slackSessionId } from './slack-session-id.ts';
export { SLACK_MESSAGE_LIMIT, splitMessage } from './split-message.ts';
export { toTurn } from './to-turn.ts';
