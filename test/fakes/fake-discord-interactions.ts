import {
  compileRoute,
  discordError,
  json,
  type RecordedFile,
  type Reply,
  type Route,
  tooLong,
} from './fake-discord-http.ts';
import { snowflake } from './fake-discord-payloads.ts';

/** A message written through an interaction's webhook: the original answer or a follow-up. */
export interface FakeWebhookMessage {
  /** Snowflake. */
  id: string;
  /** Current content. */
  content: string;
  /** Message flags (64: only the invoker sees it). */
  flags: number;
  /** Files attached, latest write last. */
  files: RecordedFile[];
  /** `allowed_mentions` of its latest write. */
  allowedMentions: unknown;
  /** Every content it had, first to last. */
  contents: string[];
}

/** What the invoker of an interaction was shown. */
export interface FakeInteractionReplies {
  /** The original answer (from the callback, then edited through `@original`), once acknowledged. */
  original: FakeWebhookMessage | undefined;
  /** Follow-up messages, oldest first. */
  followUps: FakeWebhookMessage[];
}

/** What the fake knows of one dispatched interaction. */
interface InteractionState {
  token: string;
  channelId: string;
  dispatchedAt: number;
  /** Set by `expire`: how the token fails from then on. */
  gone?: 'expired' | 'unknown';
  response?: { type: number; data?: unknown };
  original?: FakeWebhookMessage;
  followUps: FakeWebhookMessage[];
}

/** Options of `createFakeInteractions`. */
export interface FakeInteractionsOptions {
  /** The application (bot) id: the webhook id of interaction answers. */
  applicationId: string;
  /** Acknowledgements later than this after dispatch are refused (Discord: 3 s). */
  deadlineMs: number;
  /** Webhook calls later than this after dispatch are refused (Discord: 15 minutes). */
  tokenTtlMs: number;
  /** The bot's message payload for a message in a channel (webhook messages are shaped the same). */
  messagePayload(message: { id: string; channelId: string; content: string; edited: boolean }): object;
}

/**
 * The interaction side of the fake Discord: the callback that acknowledges an interaction, and the webhook
 * routes that edit its original answer and send follow-ups (JSON or multipart with files), with Discord's
 * errors for late, unknown and expired tokens.
 */
export function createFakeInteractions(options: FakeInteractionsOptions) {
  const { applicationId } = options;
  const interactions = new Map<string, InteractionState>();
  const interactionsByToken = new Map<string, InteractionState>();

  const attachmentPayload = (file: RecordedFile) => ({
    id: snowflake(),
    filename: file.name,
    size: Buffer.byteLength(file.content),
    content_type: file.contentType,
    url: `https://cdn.example.invalid/${file.name}`,
    proxy_url: `https://media.example.invalid/${file.name}`,
  });

  const webhookMessagePayload = (interaction: InteractionState, message: FakeWebhookMessage) => ({
    ...options.messagePayload({
      id: message.id,
      channelId: interaction.channelId,
      content: message.content,
      edited: message.contents.length > 1,
    }),
    attachments: message.files.map(attachmentPayload),
    flags: message.flags,
    webhook_id: applicationId,
  });

  /** A new webhook message from a callback's `data` or a follow-up body. */
  const webhookMessage = (data: Record<string, unknown>, files: RecordedFile[]): FakeWebhookMessage => {
    const content = typeof data.content === 'string' ? data.content : '';
    return {
      id: snowflake(),
      content,
      flags: Number(data.flags ?? 0),
      files,
      allowedMentions: data.allowed_mentions,
      contents: [content],
    };
  };

  /** The interaction a webhook call (`/webhooks/:app/:token…`) is for, or Discord's error for its token. */
  const webhookInteraction = (app: string, interactionToken: string): InteractionState | Reply => {
    const interaction = interactionsByToken.get(interactionToken);
    if (app !== applicationId || !interaction || interaction.gone === 'unknown') {
      return discordError(404, 10015, 'Unknown Webhook');
    }
    // What Discord answers once a token's 15 minutes are over.
    if (interaction.gone === 'expired' || Date.now() - interaction.dispatchedAt > options.tokenTtlMs) {
      return discordError(401, 50027, 'Invalid Webhook Token');
    }
    return interaction;
  };
  const isReply = (value: InteractionState | Reply): value is Reply => 'status' in value;

  const routes: Route[] = [
    compileRoute('POST /interactions/:id/:token/callback', false, ({ params, body, files, query }) => {
      const interaction = interactions.get(params.id!);
      if (
        !interaction ||
        interaction.token !== params.token ||
        interaction.gone ||
        Date.now() - interaction.dispatchedAt > options.deadlineMs
      ) {
        return discordError(404, 10062, 'Unknown interaction');
      }
      if (interaction.response) return discordError(400, 40060, 'Interaction has already been acknowledged.');
      interaction.response = body as { type: number; data?: unknown };
      const original = webhookMessage((interaction.response.data ?? {}) as Record<string, unknown>, files);
      interaction.original = original;
      if (query.get('with_response') === 'true') {
        return json(200, {
          interaction: { id: params.id, type: 2, response_message_loading: interaction.response.type === 5 },
          resource: {
            type: interaction.response.type,
            message: webhookMessagePayload(interaction, original),
          },
        });
      }
      return { status: 204 };
    }),
    compileRoute('PATCH /webhooks/:app/:token/messages/@original', false, ({ params, body, files }) => {
      const interaction = webhookInteraction(params.app!, params.token!);
      if (isReply(interaction)) return interaction;
      const original = interaction.original;
      if (!interaction.response || !original) return discordError(404, 10008, 'Unknown Message');
      const edit = (body ?? {}) as Record<string, unknown>;
      const content = typeof edit.content === 'string' ? edit.content : original.content;
      if (content.length > 2000) return tooLong();
      // New files replace the old ones (Parley never keeps an earlier attachment on an edit).
      const nextFiles = files.length > 0 || Array.isArray(edit.attachments) ? files : original.files;
      if (content.trim() === '' && nextFiles.length === 0) {
        return discordError(400, 50006, 'Cannot send an empty message');
      }
      original.content = content;
      original.contents.push(content);
      original.files = nextFiles;
      if ('allowed_mentions' in edit) original.allowedMentions = edit.allowed_mentions;
      interaction.response = {
        type: interaction.response.type,
        data: { ...(interaction.response.data as object), ...edit },
      };
      return json(200, webhookMessagePayload(interaction, original));
    }),
    compileRoute('POST /webhooks/:app/:token', false, ({ params, body, files, query }) => {
      const interaction = webhookInteraction(params.app!, params.token!);
      if (isReply(interaction)) return interaction;
      // Follow-ups exist only after the interaction was acknowledged.
      if (!interaction.response) return discordError(404, 10015, 'Unknown Webhook');
      const data = (body ?? {}) as Record<string, unknown>;
      const content = typeof data.content === 'string' ? data.content : '';
      if (content.length > 2000) return tooLong();
      if (content.trim() === '' && files.length === 0) {
        return discordError(400, 50006, 'Cannot send an empty message');
      }
      const followUp = webhookMessage(data, files);
      interaction.followUps.push(followUp);
      return query.get('wait') === 'true'
        ? json(200, webhookMessagePayload(interaction, followUp))
        : { status: 204 };
    }),
  ];

  return {
    /** The callback and webhook routes. */
    routes,
    /** Starts tracking a dispatched interaction. */
    add(id: string, interactionToken: string, channelId: string): void {
      const state: InteractionState = {
        token: interactionToken,
        channelId,
        dispatchedAt: Date.now(),
        followUps: [],
      };
      interactions.set(id, state);
      interactionsByToken.set(interactionToken, state);
    },
    /** The interaction's answer (callback body, with `data` merged with later edits of @original). */
    response(id: string): { type: number; data?: unknown } | undefined {
      return interactions.get(id)?.response;
    },
    /** What the invoker was shown: the original answer and the follow-ups. */
    replies(id: string): FakeInteractionReplies {
      const interaction = interactions.get(id);
      return { original: interaction?.original, followUps: interaction?.followUps ?? [] };
    },
    /** Makes the interaction's token stop working (see `FakeDiscord.expireInteraction`). */
    expire(id: string, how: 'expired' | 'unknown'): void {
      const interaction = interactions.get(id);
      if (!interaction) throw new Error(`fake Discord knows no interaction ${id}`);
      interaction.gone = how;
    },
  };
}
