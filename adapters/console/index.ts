/**
 * Console adapter: a terminal chat for trying Parley without a platform. `console-chat.ts` reads `You:`
 * lines and queues them as turns (slash commands included) on the in-process queue;
 * `console-reply-channel.ts` prints each reply as it streams and writes exported files to disk.
 */
export { type ConsoleChatOptions, runConsoleChat } from './console-chat.ts';
export { type ConsoleReplyChannel, createConsoleReplyChannel } from './console-reply-channel.ts';
