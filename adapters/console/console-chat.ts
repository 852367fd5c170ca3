import { createInterface } from 'node:readline';
import type { Logger } from '../../src/app/logger.ts';
import type { TurnQueue } from '../../src/queue/turn-queue.ts';
import { sessionId as buildSessionId, toSafePart } from '../../src/turn/session-id.ts';
import { COMMAND_NAMES, type CommandName, type Turn } from '../../src/turn/turn.ts';
import type { ConsoleReplyChannel } from './console-reply-channel.ts';

/** Options of the terminal chat. */
export interface ConsoleChatOptions {
  /** Where the user types. */
  input: NodeJS.ReadableStream;
  /** Where the chat is printed. */
  output: NodeJS.WritableStream;
  /** Session name (`--session`); the same name continues the same conversation. */
  sessionName: string;
  /** The in-process queue the turns go to. */
  queue: TurnQueue;
  /** The reply channel the queue's processor writes replies to. */
  replies: ConsoleReplyChannel;
  /** Whether conversations survive a restart (Redis); the banner says so when they don't. */
  durable: boolean;
  /** Logger. */
  logger: Logger;
}

const HELP =
  'Commands: /reset, /usage, /memory [clear], /persona [text|reset], /export, /forget [confirm], /help, /exit.';

/** Runs the `You:` / `Bot:` chat until `/exit` or end of input. */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { output, queue, replies } = options;
  const session = buildSessionId('console', toSafePart(options.sessionName));
  // Whoever types here runs the process: the terminal's own admin (`Author.isPlatformAdmin`).
  const author = { id: toSafePart(options.sessionName), name: options.sessionName, isPlatformAdmin: true };
  let counter = 0;

  const turnOf = (kind: Turn['kind'], text: string, command?: Turn['command']): Turn => {
    counter += 1;
    return {
      command,
      id: `${process.pid}-${Date.now()}-${counter}`,
      sessionId: session,
      kind,
      author,
      text,
      target: { platform: 'console', channelId: toSafePart(options.sessionName) },
      receivedAt: Date.now(),
    };
  };

  /** Waits until the queue has processed (and committed) everything given to it. */
  const settled = async () => {
    while ((await queue.pendingCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
  };

  output.write(`Parley — session ${session}. ${HELP}\n`);
  if (!options.durable) output.write('(Memory only: set REDIS_URL to keep conversations across restarts.)\n');
  const lines = createInterface({
    input: options.input,
    crlfDelay: Number.POSITIVE_INFINITY,
    terminal: false,
  });
  output.write('You: ');
  for await (const line of lines) {
    const text = line.trim();
    if (text === '/exit' || text === '/quit') break;
    const [word = '', ...rest] = text.slice(1).split(/\s+/);
    const name = word.toLowerCase() as CommandName;
    if (text === '/reset') {
      await queue.enqueue(turnOf('reset', ''));
      await settled();
      output.write('Memory cleared: this conversation starts afresh.\n');
    } else if (text.startsWith('/') && COMMAND_NAMES.includes(name)) {
      const done = replies.nextReplyDone();
      await queue.enqueue(turnOf('command', '', { name, args: rest.join(' ') }));
      await done;
      await settled();
    } else if (text.startsWith('/')) {
      output.write(`Unknown command /${word}. ${HELP}\n`);
    } else if (text.length > 0) {
      const done = replies.nextReplyDone();
      await queue.enqueue(turnOf('message', text));
      await done;
      await settled();
    }
    output.write('You: ');
  }
  lines.close();
  output.write('\nBye.\n');
}
