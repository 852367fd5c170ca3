import { randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { attachFakeGateway, type IdentifyPayload } from './fake-discord-gateway.ts';
import {
  compileRoute,
  discordError,
  json,
  type ParsedBody,
  type RecordedFile,
  type Reply,
  type Route,
  readBody,
  safeDecode,
  tooLong,
} from './fake-discord-http.ts';
import {
  createFakeInteractions,
  type FakeInteractionReplies,
  type FakeWebhookMessage,
} from './fake-discord-interactions.ts';
import {
  type FakeOverwrite,
  type FakeUser,
  makeGuild,
  makeMember,
  makeRole,
  makeTextChannel,
  makeThread,
  makeUser,
  snowflake,
} from './fake-discord-payloads.ts';
import {
  type ReactedMessage,
  type ReactionInput,
  reactionAddPayload,
  reactionRemovePayload,
} from './fake-discord-reactions.ts';

export {
  type FakeInteractionReplies,
  type FakeOverwrite,
  type FakeUser,
  type FakeWebhookMessage,
  type IdentifyPayload,
  makeUser,
  type ReactionInput,
  type RecordedFile,
  snowflake,
};

/** One REST request the fake received. */
export interface RecordedRequest {
  /** HTTP method. */
  method: string;
  /** Path after `/api/v10`, without the query, e.g. `/channels/1/messages`. */
  path: string;
  /** Name of the route it matched, e.g. `POST /channels/:channel/messages` (`unknown` if none). */
  route: string;
  /** Query parameters. */
  query: Record<string, string>;
  /** Parsed JSON body (a multipart request's `payload_json`), or undefined. */
  body: unknown;
  /** Files uploaded with a multipart request (empty otherwise). */
  files: RecordedFile[];
  /** Whether it carried the bot token (`Authorization: Bot …`). */
  authorized: boolean;
  /** Status the fake answered with. */
  status: number;
  /** When it arrived, ms since epoch. */
  at: number;
}

/** A message the bot posted through the REST API. */
export interface FakeMessage {
  /** Snowflake. */
  id: string;
  /** Channel (or thread) it is in. */
  channelId: string;
  /** Current content. */
  content: string;
  /** Every content it had, first to last (posted, then each edit). */
  contents: string[];
  /** `message_reference` it was posted with. */
  messageReference: { message_id: string; fail_if_not_exists?: boolean } | undefined;
  /** `allowed_mentions` of its latest write. */
  allowedMentions: unknown;
  /** Whether it was deleted. */
  deleted: boolean;
  /** Files attached when it was posted. */
  files: RecordedFile[];
  /** Its components (button rows) as last written: `[]` once removed. */
  components: unknown[];
  /** Emoji the bot reacted with (`PUT …/reactions/:emoji/@me`), first to last. */
  reactions: string[];
}

/** A failure the fake injects into the next requests of a route. */
export type InjectedFailure =
  | { status: 429; retryAfter: number; global?: boolean }
  | { status: 500 | 502 | 503 };

/** Options of `startFakeDiscord`. */
export interface FakeDiscordOptions {
  /** Bot token the client must present. Default `fake-discord-token`. */
  token?: string;
  /** Heartbeat interval announced in HELLO. Default 41,250 ms (as Discord). */
  heartbeatIntervalMs?: number;
  /** Interactions answered later than this are refused, as Discord does after 3 s. Default 3,000 ms. */
  interactionDeadlineMs?: number;
  /** Interaction tokens stop working after this long, as Discord's do after 15 minutes. Default 15 min. */
  interactionTokenTtlMs?: number;
  /** Also dispatch MESSAGE_CREATE for messages the bot posts, as Discord does. Default false (cheaper). */
  echoBotMessages?: boolean;
  /** Keep requests in `requests` (default true; turn off for load tests — `waitForRequest` still works). */
  record?: boolean;
  /** The bot's user id (also the application id); default a fresh snowflake. */
  botId?: string;
}

/** Input of `sendMessageCreate`: a partial Discord message; everything left out gets a sensible default. */
export interface MessageCreateInput {
  /** Text; default empty. */
  content?: string;
  /** A DM between the author and the bot (its channel is created on first use). */
  dm?: boolean;
  /** Channel or thread id; default the guild's `#general` (or the DM channel with `dm`). */
  channel_id?: string;
  /** Author; default Alice. */
  author?: FakeUser;
  /** Server nickname of the author (guild messages). */
  nick?: string | null;
  /** Role ids of the author (guild messages; see `addRole`). */
  roles?: string[];
  /** Mentioned users; default: those written as `<@id>` in the content. */
  mentions?: FakeUser[];
  /** Attached files, served by the fake's CDN (see `addAttachment`). */
  attachments?: AttachmentInput[];
  /** Message type (0 default, 19 reply; others are system messages). */
  type?: number;
  /** Set to post as a webhook. */
  webhook_id?: string;
  /** Message id; default a fresh snowflake. */
  id?: string;
  /** Leave `channel_type` out of a DM payload (to reproduce what discord.js drops). */
  omitChannelType?: boolean;
  /**
   * Reply to this message (the bot's or one sent with `sendMessageCreate`): type 19, `message_reference` and
   * `referenced_message`, as Discord sends a reply. The replied-to author is not mentioned unless `pingReply`.
   */
  replyTo?: string;
  /** With `replyTo`: the reply pings the replied-to author (who is then in `mentions`). */
  pingReply?: boolean;
  /** With `replyTo`: leave `referenced_message` out, as Discord does when it did not look the message up. */
  omitReferencedMessage?: boolean;
}

/** A file to attach to a message: served at a CDN-like URL of the fake. */
export interface AttachmentInput {
  /** File name. */
  filename: string;
  /** Content; default 1,024 bytes of `a`. */
  content?: string | Uint8Array;
  /** MIME type reported in the attachment object (and served); default none (Discord leaves it out at times). */
  content_type?: string;
}

/** The route of the fake's CDN (for `failNext` and `requests`). */
export const CDN_ROUTE = 'GET /attachments/:channel/:attachment/:filename';

/** Input of `sendMessageUpdate`: an edit of a message sent with `sendMessageCreate`. */
export interface MessageUpdateInput {
  /** The message edited. */
  id: string;
  /** Its new text. */
  content: string;
}

/** Input of `sendInteraction`: a slash command use. */
export interface InteractionInput {
  /** Command name; default `reset`. */
  name?: string;
  /** Used in the DM between `user` and the bot. */
  dm?: boolean;
  /** Channel or thread; default `#general`. */
  channel_id?: string;
  /** Who used it; default Alice. */
  user?: FakeUser;
  /** Option values, as `data.options` (type 3 string, 5 boolean). */
  options?: Array<{ name: string; type: number; value: string | number | boolean }>;
  /** The invoker's permissions in the channel (guild interactions), as Discord computes them; default @everyone's. */
  permissions?: bigint;
}

/**
 * A fake Discord on 127.0.0.1: the REST API under `/api/v10` and the gateway WebSocket at `/gateway`, enough
 * for discord.js 14 to log in, receive guilds, messages and interactions, and for a REST client to post,
 * edit, type, start threads and answer interactions. It records every request and keeps the bot's messages.
 */
export async function startFakeDiscord(options: FakeDiscordOptions = {}) {
  const token = options.token ?? 'fake-discord-token';
  const deadlineMs = options.interactionDeadlineMs ?? 3_000;
  const tokenTtlMs = options.interactionTokenTtlMs ?? 15 * 60_000;
  const bot = makeUser('parley', { bot: true, ...(options.botId ? { id: options.botId } : {}) });
  const applicationId = bot.id;
  const owner = makeUser('owner');
  const alice = makeUser('alice', { globalName: 'Alice' });
  const users = new Map<string, FakeUser>([bot, owner, alice].map((user) => [user.id, user]));
  const guildId = snowflake();
  const general = makeTextChannel(guildId, 'general');
  const channels = new Map<string, Record<string, unknown>>([[general.id, general]]);
  const guildChannels = [general];
  const guildRoles: ReturnType<typeof makeRole>[] = [];
  const threads: ReturnType<typeof makeThread>[] = [];
  const dmChannels = new Map<string, string>(); // user id -> DM channel id
  const messages: FakeMessage[] = [];
  const messagesById = new Map<string, FakeMessage>();
  const threadStarters = new Set<string>();
  // Messages dispatched with sendMessageCreate, by id: replies reference them, edits change them.
  const sentById = new Map<string, Record<string, unknown>>();
  const commands = { global: [] as unknown[], guilds: new Map<string, unknown[]>() };
  const record = options.record ?? true;
  const requests: RecordedRequest[] = [];
  const requestWaiters: Array<{
    test: (r: RecordedRequest) => boolean;
    resolve: (r: RecordedRequest) => void;
  }> = [];
  const failures = new Map<string, Array<InjectedFailure>>();
  // Bytes the CDN serves, by `<channel>/<attachment id>/<filename>`.
  const cdnFiles = new Map<string, { bytes: Buffer; contentType: string | undefined }>();

  const botMessagePayload = (message: FakeMessage) => {
    const channel = channels.get(message.channelId);
    return {
      id: message.id,
      type: message.messageReference ? 19 : 0,
      channel_id: message.channelId,
      ...(channel?.guild_id ? { guild_id: channel.guild_id } : {}),
      author: bot,
      content: message.content,
      timestamp: new Date().toISOString(),
      edited_timestamp: message.contents.length > 1 ? new Date().toISOString() : null,
      tts: false,
      mention_everyone: false,
      mentions: [],
      mention_roles: [],
      attachments: [],
      embeds: [],
      pinned: false,
      flags: 0,
      components: message.components,
      ...(message.messageReference ? { message_reference: message.messageReference } : {}),
    };
  };

  /** Where a message (the bot's, or one dispatched with `sendMessageCreate`) is, and who wrote it. */
  const reactedMessage = (id: string): ReactedMessage => {
    const own = messagesById.get(id);
    const sent = sentById.get(id);
    const channelId = own?.channelId ?? (sent?.channel_id as string | undefined);
    if (!channelId) throw new Error(`fake Discord knows no message ${id}`);
    const guild = channels.get(channelId)?.guild_id as string | undefined;
    const authorId = own ? bot.id : (sent!.author as FakeUser).id;
    return { id, channelId, guildId: guild, authorId };
  };

  const dmChannelOf = (user: FakeUser): string => {
    let id = dmChannels.get(user.id);
    if (!id) {
      id = snowflake();
      dmChannels.set(user.id, id);
      channels.set(id, { id, type: 1, last_message_id: null, flags: 0, recipients: [user] });
    }
    return id;
  };

  const addThread = (name: string, parentId: string = general.id, id?: string) => {
    const thread = makeThread(guildId, parentId, name, bot.id, id);
    threads.push(thread);
    channels.set(thread.id, thread);
    gateway.dispatch('THREAD_CREATE', { ...thread, newly_created: true });
    return thread;
  };

  const postMessage = (
    channelId: string,
    body: Record<string, unknown>,
    files: RecordedFile[] = [],
  ): Reply => {
    if (!channels.has(channelId)) return discordError(404, 10003, 'Unknown Channel');
    const content = typeof body.content === 'string' ? body.content : '';
    if (content.trim() === '' && files.length === 0) {
      return discordError(400, 50006, 'Cannot send an empty message');
    }
    if (content.length > 2000) return tooLong();
    const message: FakeMessage = {
      id: snowflake(),
      channelId,
      content,
      contents: [content],
      messageReference: body.message_reference as FakeMessage['messageReference'],
      allowedMentions: body.allowed_mentions,
      deleted: false,
      files,
      components: Array.isArray(body.components) ? body.components : [],
      reactions: [],
    };
    messages.push(message);
    messagesById.set(message.id, message);
    const payload = botMessagePayload(message);
    if (options.echoBotMessages) gateway.dispatch('MESSAGE_CREATE', payload);
    return json(200, payload);
  };

  const editMessage = (channelId: string, messageId: string, body: Record<string, unknown>): Reply => {
    const message = messagesById.get(messageId);
    if (!message || message.deleted || message.channelId !== channelId) {
      return discordError(404, 10008, 'Unknown Message');
    }
    if (typeof body.content === 'string') {
      if (body.content.length > 2000) return tooLong();
      message.content = body.content;
      message.contents.push(body.content);
    }
    if ('allowed_mentions' in body) message.allowedMentions = body.allowed_mentions;
    if (Array.isArray(body.components)) message.components = body.components;
    return json(200, botMessagePayload(message));
  };

  /** The fields that make a message a reply to `input.replyTo`, as Discord sends them. */
  const replyFields = (
    input: MessageCreateInput,
    channelId: string,
    inGuildId: string | undefined,
  ): {
    type?: number;
    message_reference?: Record<string, unknown>;
    referenced_message?: Record<string, unknown>;
  } => {
    if (!input.replyTo) return {};
    const own = messagesById.get(input.replyTo);
    const referenced = own ? botMessagePayload(own) : sentById.get(input.replyTo);
    if (!referenced) throw new Error(`fake Discord knows no message ${input.replyTo}`);
    return {
      type: input.type ?? 19,
      message_reference: {
        type: 0,
        message_id: input.replyTo,
        channel_id: channelId,
        ...(inGuildId ? { guild_id: inGuildId } : {}),
      },
      ...(input.omitReferencedMessage ? {} : { referenced_message: referenced }),
    };
  };

  const interactions = createFakeInteractions({
    applicationId,
    deadlineMs,
    tokenTtlMs,
    messagePayload: ({ id, channelId, content, edited }) =>
      botMessagePayload({
        id,
        channelId,
        content,
        contents: edited ? [content, content] : [content],
        messageReference: undefined,
        allowedMentions: undefined,
        deleted: false,
        files: [],
        components: [],
        reactions: [],
      }),
  });

  const routes: Route[] = [
    compileRoute('GET /gateway/bot', true, () =>
      json(200, {
        url: gatewayUrl,
        shards: 1,
        session_start_limit: { total: 1000, remaining: 999, reset_after: 86_400_000, max_concurrency: 1 },
      }),
    ),
    compileRoute('GET /gateway', false, () => json(200, { url: gatewayUrl })),
    // The CDN: signed URLs that need no token (the signature is not checked); unknown files are gone, as on Discord.
    compileRoute(CDN_ROUTE, false, ({ params }) => {
      const file = cdnFiles.get(`${params.channel}/${params.attachment}/${params.filename}`);
      if (!file) return { status: 404, body: Buffer.from('This content is no longer available.') };
      const type = file.contentType ?? 'application/octet-stream';
      return { status: 200, body: file.bytes, headers: { 'content-type': type } };
    }),
    compileRoute('GET /users/@me', true, () => json(200, bot)),
    compileRoute('GET /applications/@me', true, () =>
      json(200, { id: applicationId, name: 'Parley', bot, flags: 0, description: '', icon: null }),
    ),
    compileRoute('PUT /applications/:app/commands', true, ({ params, body }) => {
      if (params.app !== applicationId) return discordError(403, 50001, 'Missing Access');
      commands.global = (body as Array<Record<string, unknown>>).map((command) => ({
        id: snowflake(),
        application_id: applicationId,
        version: snowflake(),
        ...command,
      }));
      return json(200, commands.global);
    }),
    compileRoute('PUT /applications/:app/guilds/:guild/commands', true, ({ params, body }) => {
      if (params.app !== applicationId || params.guild !== guildId)
        return discordError(403, 50001, 'Missing Access');
      const registered = (body as Array<Record<string, unknown>>).map((command) => ({
        id: snowflake(),
        application_id: applicationId,
        guild_id: params.guild,
        version: snowflake(),
        ...command,
      }));
      commands.guilds.set(params.guild!, registered);
      return json(200, registered);
    }),
    compileRoute('GET /channels/:channel', true, ({ params }) => {
      const channel = channels.get(params.channel!);
      return channel ? json(200, channel) : discordError(404, 10003, 'Unknown Channel');
    }),
    compileRoute('POST /channels/:channel/messages', true, ({ params, body, files }) =>
      postMessage(params.channel!, (body ?? {}) as Record<string, unknown>, files),
    ),
    compileRoute('PATCH /channels/:channel/messages/:message', true, ({ params, body }) =>
      editMessage(params.channel!, params.message!, (body ?? {}) as Record<string, unknown>),
    ),
    compileRoute('GET /channels/:channel/messages/:message', true, ({ params }) => {
      const message = messagesById.get(params.message!);
      if (message && !message.deleted && message.channelId === params.channel) {
        return json(200, botMessagePayload(message));
      }
      const sent = sentById.get(params.message!);
      if (sent && sent.channel_id === params.channel) return json(200, sent);
      return discordError(404, 10008, 'Unknown Message');
    }),
    compileRoute('DELETE /channels/:channel/messages/:message', true, ({ params }) => {
      const message = messagesById.get(params.message!);
      if (!message || message.deleted || message.channelId !== params.channel) {
        return discordError(404, 10008, 'Unknown Message');
      }
      message.deleted = true;
      return { status: 204 };
    }),
    compileRoute('PUT /channels/:channel/messages/:message/reactions/:emoji/@me', true, ({ params }) => {
      const message = messagesById.get(params.message!);
      if (!message || message.deleted || message.channelId !== params.channel) {
        return discordError(404, 10008, 'Unknown Message');
      }
      // Reacting twice with the same emoji changes nothing, as on Discord.
      if (!message.reactions.includes(params.emoji!)) message.reactions.push(params.emoji!);
      return { status: 204 };
    }),
    compileRoute('POST /channels/:channel/typing', true, ({ params }) =>
      channels.has(params.channel!) ? { status: 204 } : discordError(404, 10003, 'Unknown Channel'),
    ),
    compileRoute('POST /channels/:channel/messages/:message/threads', true, ({ params, body }) => {
      const parent = channels.get(params.channel!);
      if (parent?.type !== 0) return discordError(404, 10003, 'Unknown Channel');
      if (threadStarters.has(params.message!)) {
        return discordError(400, 160004, 'A thread has already been created for this message');
      }
      threadStarters.add(params.message!);
      const name = String((body as { name?: string } | undefined)?.name ?? 'thread');
      // Discord gives a thread started on a message the message's own id.
      return json(201, addThread(name, params.channel!, params.message!));
    }),
    ...interactions.routes,
  ];

  const respond = (response: ServerResponse, reply: Reply) => {
    if (reply.body instanceof Uint8Array) {
      // CDN bytes, as they are.
      response.writeHead(reply.status, { 'content-type': 'text/plain', ...reply.headers });
      response.end(reply.body);
      return;
    }
    if (reply.body === undefined) {
      // A 204 carries no body and must not claim a JSON content type (discord.js would try to parse it).
      response.writeHead(reply.status, reply.headers);
      response.end();
      return;
    }
    response.writeHead(reply.status, { 'content-type': 'application/json', ...reply.headers });
    response.end(JSON.stringify(reply.body));
  };

  const injected = (route: string): Reply | undefined => {
    const queue = failures.get(route);
    const failure = queue?.shift();
    if (!failure) return undefined;
    if (failure.status === 429) {
      return {
        status: 429,
        body: {
          message: 'You are being rate limited.',
          retry_after: failure.retryAfter,
          global: !!failure.global,
        },
        headers: {
          'retry-after': String(failure.retryAfter),
          'x-ratelimit-scope': failure.global ? 'global' : 'user',
          ...(failure.global ? { 'x-ratelimit-global': 'true' } : {}),
        },
      };
    }
    return discordError(failure.status, 0, `${failure.status}: Server Error`);
  };

  const server = createServer((request, response) => {
    void (async () => {
      const url = new URL(request.url ?? '/', 'http://127.0.0.1');
      // @discordjs/rest percent-encodes segments such as `@original`.
      const path = safeDecode(url.pathname).replace(/^\/api(\/v\d+)?/, '');
      const method = request.method ?? 'GET';
      let parsed: ParsedBody;
      try {
        parsed = await readBody(request);
      } catch {
        respond(response, discordError(400, 50109, 'The request body contains invalid JSON.'));
        return;
      }
      let route: Route | undefined;
      let params: Record<string, string> = {};
      for (const candidate of routes) {
        if (candidate.method !== method) continue;
        const match = candidate.pattern.exec(path);
        if (!match) continue;
        route = candidate;
        params = Object.fromEntries(candidate.keys.map((key, index) => [key, match[index + 1]!]));
        break;
      }
      const { body, files } = parsed;
      const authorized = request.headers.authorization === `Bot ${token}`;
      let reply: Reply;
      if (!route) reply = discordError(404, 0, '404: Not Found');
      else if (route.auth && !authorized) {
        reply = discordError(401, 0, '401: Unauthorized');
      } else reply = injected(route.name) ?? route.handler({ params, body, files, query: url.searchParams });
      const recorded: RecordedRequest = {
        method,
        path,
        route: route?.name ?? 'unknown',
        query: Object.fromEntries(url.searchParams),
        body,
        files,
        authorized,
        status: reply.status,
        at: Date.now(),
      };
      if (record) requests.push(recorded);
      respond(response, reply);
      for (const waiter of requestWaiters.filter((candidate) => candidate.test(recorded))) {
        requestWaiters.splice(requestWaiters.indexOf(waiter), 1);
        waiter.resolve(recorded);
      }
    })();
  });

  const gateway = attachFakeGateway(server, {
    token,
    heartbeatIntervalMs: options.heartbeatIntervalMs ?? 41_250,
    ready: (sessionId) => ({
      v: 10,
      user: bot,
      guilds: [{ id: guildId, unavailable: true }],
      session_id: sessionId,
      resume_gateway_url: gatewayUrl,
      shard: [0, 1],
      application: { id: applicationId, flags: 0 },
      private_channels: [],
      relationships: [],
      user_settings: {},
      presences: [],
      guild_join_requests: [],
      geo_ordered_rtc_regions: [],
    }),
    afterReady: () => [
      {
        t: 'GUILD_CREATE',
        d: makeGuild({
          id: guildId,
          name: 'Parley Test',
          ownerId: owner.id,
          bot,
          channels: guildChannels,
          threads,
          roles: guildRoles,
        }),
      },
    ],
  });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const apiUrl = `http://127.0.0.1:${port}/api`;
  /** Stores a file on the CDN and returns its attachment object, as a message carries it. */
  const addAttachment = (input: AttachmentInput, channelId: string = general.id) => {
    const id = snowflake();
    const bytes = Buffer.from(input.content ?? 'a'.repeat(1024));
    cdnFiles.set(`${channelId}/${id}/${input.filename}`, { bytes, contentType: input.content_type });
    const path = `attachments/${channelId}/${id}/${encodeURIComponent(input.filename)}`;
    const signature = `ex=${(Math.floor(Date.now() / 1000) + 86_400).toString(16)}&is=0&hm=${randomBytes(32).toString('hex')}&`;
    return {
      id,
      filename: input.filename,
      size: bytes.length,
      url: `http://127.0.0.1:${port}/${path}?${signature}`,
      // Discord's media proxy resizes images; the fake serves the file itself there.
      proxy_url: `http://127.0.0.1:${port}/${path}?${signature}`,
      ...(input.content_type ? { content_type: input.content_type } : {}),
    };
  };
  const gatewayUrl = `ws://127.0.0.1:${port}/gateway`;

  return {
    /** REST base for `DISCORD_API_URL`. */
    apiUrl,
    /** Gateway URL handed out by `GET /gateway/bot`. */
    gatewayUrl,
    /** Token the fake accepts. */
    token,
    /** The bot's user (its id is also the application id). */
    bot,
    /** Application id. */
    applicationId,
    /** The test guild. */
    guildId,
    /** The guild's `#general` text channel. */
    channelId: general.id,
    /** A default human author. */
    alice,
    /** The guild's owner (Discord gives the owner every permission). */
    owner,
    /** REST requests received, oldest first. */
    requests,
    /** Messages the bot posted, oldest first. */
    messages,
    /** Registered commands: global, and per guild. */
    commands,
    /** IDENTIFY payloads received. */
    identifies: gateway.identifies,
    /** Query strings of the open gateway connections (`v`, `encoding`, `compress`). */
    connectionQueries: gateway.connectionQueries,
    /** A new user (a human unless `bot`). */
    user(username: string, userOptions: { bot?: boolean; globalName?: string } = {}): FakeUser {
      const user = makeUser(username, userOptions);
      users.set(user.id, user);
      return user;
    },
    /** A mention of the bot, as written in message content. */
    mention: `<@${bot.id}>`,
    /** Adds a guild role with these permission bits (dispatching GUILD_ROLE_CREATE) and returns its id. */
    addRole(name: string, permissions: bigint): string {
      const role = makeRole(name, permissions);
      guildRoles.push(role);
      gateway.dispatch('GUILD_ROLE_CREATE', { guild_id: guildId, role });
      return role.id;
    },
    /** Adds a guild text channel, with permission overwrites if given, and returns its id. */
    addTextChannel(name: string, overwrites: FakeOverwrite[] = []): string {
      const channel = makeTextChannel(guildId, name, undefined, overwrites);
      guildChannels.push(channel);
      channels.set(channel.id, channel);
      gateway.dispatch('CHANNEL_CREATE', channel);
      return channel.id;
    },
    /** Creates a public thread (dispatching THREAD_CREATE) and returns its id. */
    addThread(name: string, parentId?: string): string {
      return addThread(name, parentId).id;
    },
    /** The DM channel between `user` and the bot. */
    dmChannelOf,
    /** Messages the bot posted in a channel, oldest first (deleted ones left out). */
    messagesIn(channelId: string): FakeMessage[] {
      return messages.filter((message) => message.channelId === channelId && !message.deleted);
    },
    /** The interaction's answer (callback body, with `data` merged with later edits of @original). */
    interactionResponse(id: string): { type: number; data?: unknown } | undefined {
      return interactions.response(id);
    },
    /** What the invoker of an interaction was shown: the original answer and the follow-ups. */
    interactionReplies(id: string): FakeInteractionReplies {
      return interactions.replies(id);
    },
    /**
     * Makes an interaction's token stop working: its callback answers 404 Unknown interaction, webhook calls
     * `expired` 401 Invalid Webhook Token (Discord after 15 minutes) or `unknown` 404 Unknown Webhook.
     */
    expireInteraction(id: string, how: 'expired' | 'unknown' = 'expired'): void {
      interactions.expire(id, how);
    },
    /**
     * Stores a file on the fake's CDN and returns its attachment object (`id`, `filename`, `size`, `url`,
     * `proxy_url`, `content_type`), for payloads dispatched by hand. Its `url` answers a GET (no token, as
     * Discord's signed CDN URLs) with the bytes; `sendMessageCreate` attaches files this way.
     */
    addAttachment,
    /** GETs of CDN URLs so far. */
    cdnRequests(): RecordedRequest[] {
      return requests.filter((request) => request.route === CDN_ROUTE);
    },
    /** Dispatches MESSAGE_CREATE; returns the full payload sent. */
    sendMessageCreate(input: MessageCreateInput = {}) {
      const author = input.author ?? alice;
      users.set(author.id, author);
      const channelId = input.dm ? dmChannelOf(author) : (input.channel_id ?? general.id);
      const channel = channels.get(channelId);
      if (!channel) throw new Error(`fake Discord knows no channel ${channelId}`);
      const inGuild = channel.type !== 1;
      const content = input.content ?? '';
      const mentioned =
        input.mentions ??
        [...content.matchAll(/<@!?(\d+)>/g)].flatMap((match) => {
          const user = users.get(match[1]!);
          return user ? [user] : [];
        });
      const payload = {
        id: input.id ?? snowflake(),
        type: input.type ?? 0,
        channel_id: channelId,
        ...(inGuild ? { guild_id: guildId, member: makeMember(input.nick ?? null, input.roles) } : {}),
        ...(!inGuild && !input.omitChannelType ? { channel_type: 1 } : {}),
        author,
        content,
        timestamp: new Date().toISOString(),
        edited_timestamp: null,
        tts: false,
        mention_everyone: false,
        mentions: mentioned.map((user) => (inGuild ? { ...user, member: makeMember() } : user)),
        mention_roles: [],
        attachments: (input.attachments ?? []).map((attachment) => addAttachment(attachment, channelId)),
        embeds: [],
        pinned: false,
        flags: 0,
        components: [],
        ...(input.webhook_id ? { webhook_id: input.webhook_id } : {}),
        ...replyFields(input, channelId, inGuild ? guildId : undefined),
      };
      if (input.pingReply && payload.referenced_message) {
        const repliedTo = payload.referenced_message.author as FakeUser;
        payload.mentions.push(inGuild ? { ...repliedTo, member: makeMember() } : repliedTo);
      }
      sentById.set(payload.id, payload);
      gateway.dispatch('MESSAGE_CREATE', payload);
      return payload;
    },
    /** Dispatches MESSAGE_UPDATE for an edit of a message sent with `sendMessageCreate`; returns the payload. */
    sendMessageUpdate(input: MessageUpdateInput) {
      const sent = sentById.get(input.id);
      if (!sent) throw new Error(`fake Discord sent no message ${input.id}`);
      const payload = { ...sent, content: input.content, edited_timestamp: new Date().toISOString() };
      sentById.set(input.id, payload);
      gateway.dispatch('MESSAGE_UPDATE', payload);
      return payload;
    },
    /** Dispatches MESSAGE_DELETE for a message (sent with `sendMessageCreate`, or any id in `channelId`). */
    sendMessageDelete(id: string, channelId?: string) {
      const sent = sentById.get(id);
      const channel = channelId ?? (sent?.channel_id as string | undefined);
      if (!channel) throw new Error(`fake Discord knows no channel of message ${id}`);
      const inGuild = channels.get(channel)?.type !== 1;
      sentById.delete(id);
      const payload = { id, channel_id: channel, ...(inGuild ? { guild_id: guildId } : {}) };
      gateway.dispatch('MESSAGE_DELETE', payload);
      return payload;
    },
    /** Dispatches MESSAGE_REACTION_ADD: `user` (default Alice) reacts to a message with `emoji`; returns the payload. */
    sendReactionAdd(input: ReactionInput) {
      const payload = reactionAddPayload(reactedMessage(input.messageId), input.user ?? alice, input.emoji);
      gateway.dispatch('MESSAGE_REACTION_ADD', payload);
      return payload;
    },
    /** Dispatches MESSAGE_REACTION_REMOVE: `user` (default Alice) takes a reaction back; returns the payload. */
    sendReactionRemove(input: ReactionInput) {
      const payload = reactionRemovePayload(
        reactedMessage(input.messageId),
        input.user ?? alice,
        input.emoji,
      );
      gateway.dispatch('MESSAGE_REACTION_REMOVE', payload);
      return payload;
    },
    /** Dispatches any gateway event as given (recorded payloads, scaffolding); returns how many clients got it. */
    dispatch(t: string, d: unknown): number {
      return gateway.dispatch(t, d);
    },
    /** Dispatches INTERACTION_CREATE for a slash command; it must be acknowledged within the deadline. */
    sendInteraction(input: InteractionInput = {}) {
      const user = input.user ?? alice;
      users.set(user.id, user);
      const channelId = input.dm ? dmChannelOf(user) : (input.channel_id ?? general.id);
      const channel = channels.get(channelId);
      if (!channel) throw new Error(`fake Discord knows no channel ${channelId}`);
      const inGuild = channel.type !== 1;
      const name = input.name ?? 'reset';
      const id = snowflake();
      const interactionToken = `aW50ZXJhY3Rpb24${randomBytes(24).toString('base64url')}`;
      interactions.add(id, interactionToken, channelId);
      const payload = {
        id,
        application_id: applicationId,
        type: 2,
        data: {
          id: snowflake(),
          name,
          type: 1,
          ...(input.options ? { options: input.options } : {}),
          ...(inGuild ? { guild_id: guildId } : {}),
        },
        ...(inGuild
          ? {
              guild_id: guildId,
              guild_locale: 'en-US',
              member: { ...makeMember(), user, permissions: String(input.permissions ?? 1071698660929n) },
              guild: { id: guildId, locale: 'en-US', features: [] },
            }
          : { user }),
        channel,
        channel_id: channelId,
        token: interactionToken,
        version: 1,
        app_permissions: '1071698660929',
        locale: 'en-US',
        entitlements: [],
        authorizing_integration_owners: inGuild ? { '0': guildId } : { '0': user.id },
        context: inGuild ? 0 : 1,
        attachment_size_limit: 10_485_760,
      };
      gateway.dispatch('INTERACTION_CREATE', payload);
      return { id, token: interactionToken, payload };
    },
    /** A click of a button (`custom_id`) on the bot's message `messageId`: a component interaction (type 3). */
    sendComponentInteraction(input: {
      customId: string;
      messageId: string;
      user?: FakeUser;
      permissions?: bigint;
    }) {
      const user = input.user ?? alice;
      users.set(user.id, user);
      const posted = messagesById.get(input.messageId);
      if (!posted) throw new Error(`fake Discord knows no message ${input.messageId}`);
      const channel = channels.get(posted.channelId);
      if (!channel) throw new Error(`fake Discord knows no channel ${posted.channelId}`);
      const inGuild = channel.type !== 1;
      const id = snowflake();
      const interactionToken = `aW50ZXJhY3Rpb24${randomBytes(24).toString('base64url')}`;
      interactions.add(id, interactionToken, posted.channelId);
      const payload = {
        id,
        application_id: applicationId,
        type: 3,
        data: { custom_id: input.customId, component_type: 2 },
        message: {
          id: posted.id,
          channel_id: posted.channelId,
          author: bot,
          content: posted.content,
          timestamp: new Date().toISOString(),
          edited_timestamp: null,
          tts: false,
          mention_everyone: false,
          mentions: [],
          mention_roles: [],
          attachments: [],
          embeds: [],
          pinned: false,
          type: 0,
          components: [],
        },
        ...(inGuild
          ? {
              guild_id: guildId,
              guild_locale: 'en-US',
              member: { ...makeMember(), user, permissions: String(input.permissions ?? 1071698660929n) },
              guild: { id: guildId, locale: 'en-US', features: [] },
            }
          : { user }),
        channel,
        channel_id: posted.channelId,
        token: interactionToken,
        version: 1,
        app_permissions: '1071698660929',
        locale: 'en-US',
        entitlements: [],
        authorizing_integration_owners: inGuild ? { '0': guildId } : { '0': user.id },
        context: inGuild ? 0 : 1,
        attachment_size_limit: 10_485_760,
      };
      gateway.dispatch('INTERACTION_CREATE', payload);
      return { id, token: interactionToken, payload };
    },
    /** Resolves with the first IDENTIFY received. */
    waitForIdentify: (): Promise<IdentifyPayload> => gateway.waitForIdentify(),
    /** Resolves with the first request (already received or future) that matches. */
    waitForRequest(
      test: (request: RecordedRequest) => boolean,
      timeoutMs = 10_000,
    ): Promise<RecordedRequest> {
      const seen = requests.find(test);
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => {
          requestWaiters.splice(requestWaiters.indexOf(waiter), 1);
          reject(new Error(`fake Discord: no matching request within ${timeoutMs} ms`));
        }, timeoutMs);
        const waiter = {
          test,
          resolve: (request: RecordedRequest) => {
            clearTimeout(timer);
            resolve(request);
          },
        };
        requestWaiters.push(waiter);
      });
    },
    /** Makes the next `count` requests of `route` (e.g. `POST /channels/:channel/messages`) fail as given. */
    failNext(route: string, count: number, failure: InjectedFailure): void {
      if (!routes.some((candidate) => candidate.name === route))
        throw new Error(`fake Discord has no route ${route}`);
      failures.set(route, [...(failures.get(route) ?? []), ...Array.from({ length: count }, () => failure)]);
    },
    /** Forgets recorded requests (not messages or state). */
    clearRequests(): void {
      requests.length = 0;
    },
    /** Stops the gateway and the HTTP server. */
    async close(): Promise<void> {
      await gateway.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A running fake Discord. */
export type FakeDiscord = Awaited<ReturnType<typeof startFakeDiscord>>;
