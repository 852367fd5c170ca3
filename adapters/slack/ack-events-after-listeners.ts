import type { App, Receiver, ReceiverEvent, SocketModeReceiver } from '@slack/bolt';

/**
 * Socket Mode as Bolt runs it, except that an Events API envelope is acknowledged only once the listeners are
 * done with it. Bolt acknowledges events before their listeners run (Socket Mode has no
 * `processBeforeResponse`); here that early ack is held back and sent after the listeners resolve. When they
 * reject (the turn did not reach the queue) it is not sent at all, unless `processEventErrorHandler` asks for
 * it, and Slack redelivers the envelope. Slash commands and everything else pass through unchanged: their
 * listeners acknowledge them themselves, within Slack's 3 s.
 */
export function ackEventsAfterListeners(socket: SocketModeReceiver): Receiver {
  return {
    init(app: App) {
      // SocketModeReceiver only ever calls `processEvent` on the app it is given.
      const relay = { processEvent: (event: ReceiverEvent) => processThenAck(app, event) };
      socket.init(relay as unknown as App);
    },
    start: () => socket.start(),
    stop: () => socket.stop(),
  };
}

/** Runs Bolt's processing of one envelope with its ack held back until the listeners have resolved. */
async function processThenAck(app: App, event: ReceiverEvent): Promise<void> {
  if (event.body.type !== 'event_callback') return app.processEvent(event);
  let response: unknown;
  await app.processEvent({
    ...event,
    ack: async (body?: unknown) => {
      response = body;
    },
  });
  // Handled (queued, or deliberately dropped): acknowledge, so that Slack does not deliver it again.
  await event.ack(response);
}
