export { createDiscordIngress, type DiscordIngressOptions } from './discord-ingress.ts';
export { createDiscordReplyChannel, type DiscordReplyChannelOptions } from './discord-reply-channel.ts';
export { inviteUrl } from './invite-url.ts';
