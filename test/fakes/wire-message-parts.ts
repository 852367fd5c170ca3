import type { WireChatMessage } from './fake-openai-server.ts';

/** The text of a wire message, its content parts joined. */
export function textOf(message: WireChatMessage | undefined): string {
  const { content } = message ?? {};
  if (typeof content === 'string') return content;
  return (content ?? []).map((part) => part.text ?? '').join('\n');
}

/** The data URLs of a wire message's `image_url` parts. */
export function imageUrlsOf(message: WireChatMessage | undefined): string[] {
  const { content } = message ?? {};
  if (!Array.isArray(content)) return [];
  return content.flatMap((part) => {
    if (part.type !== 'image_url' || part.image_url === undefined) return [];
    return [typeof part.image_url === 'string' ? part.image_url : part.image_url.url];
  });
}

/** The last user message of a request. */
export const lastUser = (messages: WireChatMessage[]): WireChatMessage | undefined =>
  messages.filter((message) => message.role === 'user').at(-1);
