import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Platform } from './turn.ts';

/** An HTTP route an adapter serves on the shared server (e.g. Slack's `POST /slack/events`). */
export interface HttpRoute {
  /** HTTP method. */
  method: 'GET' | 'POST';
  /** Exact path. */
  path: string;
  /** Handles the request (the body is still unread). */
  handle(request: IncomingMessage, response: ServerResponse): void | Promise<void>;
}

/** The receiving side of a platform (ingress role): turns platform events into turns for the queue. */
export interface PlatformIngress {
  /** Platform it receives from. */
  readonly platform: Platform;
  /** Routes to mount on the shared HTTP server (none for socket-based connections). */
  readonly routes: HttpRoute[];
  /** Connects (gateway, Socket Mode) and starts accepting events. */
  start(): Promise<void>;
  /** Disconnects. */
  stop(): Promise<void>;
}

/**
 * Which conversations the bot takes part in, as ingress needs to know it: a follow-up (a thread message without a
 * mention) is answered only where the bot is part of the thread. Backed by the history store, so it survives
 * restarts and is shared by every ingress process.
 */
export interface FollowedConversations {
  /** Marks a conversation as followed (the bot was mentioned there, or it created the thread). */
  follow(sessionId: string): Promise<void>;
  /** Whether the bot takes part in it. */
  isFollowed(sessionId: string): Promise<boolean>;
}
