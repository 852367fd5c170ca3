/**
 * Discord adapter (discord.js): DMs, mentions, replies to the bot, follow-ups in followed threads, edits,
 * deletes and slash commands become turns over the gateway; replies and command answers go out over REST only
 * (workers open no gateway connection).
 * - Receiving: `discord-ingress.ts` wires `discord-client.ts`, `connect-discord.ts`, `handle-message.ts`
 *   (`replies-to-bot.ts`, `start-thread.ts`), `handle-message-change.ts`, `commands.ts` and
 *   `command-definitions.ts`; `to-turn.ts`, `message-change-to-turn.ts` and `interaction-to-turn.ts` convert
 *   messages, edits/deletes and interactions (`platform-admin.ts`: whether the author administers the server).
 *   Clicks and reactions: `tool-confirm-interaction.ts`, `stop-interaction.ts` (Stop) and `handle-reaction.ts`
 *   (👍/👎 feedback on answers).
 * - Sending: `discord-reply-channel.ts` (also deletes replies) opens a `discord-reply-stream.ts` per turn (`typing-indicator.ts`,
 *   `discord-message-driver.ts` under `../shared/reply-messages.ts`, `split-message.ts`, the Stop button of
 *   `stop-button.ts`, the reactions of `feedback-reactions.ts`); `discord-command-response.ts` answers the
 *   invoker through the interaction.
 * - Both: `discord-rest.ts` (REST client, error mapping), `invite-url.ts`.
 */
export { createDiscordIngress, type DiscordIngressOptions } from './discord-ingress.ts';
export { createDiscordReplyChannel, type DiscordReplyChannelOptions } from './discord-reply-channel.ts';
export { inviteUrl } from './invite-url.ts';
