import { createInterface } from 'node:readline';
import type { Logger } from '../../src/app/logger.ts';
import type { Attachment } from '../../src/attachments/attachment.ts';
import type { TurnQueue } from '../../src/queue/turn-queue.ts';
import { sessionId as buildSessionId, toSafePart } from '../../src/turn/session-id.ts';
import { COMMAND_NAMES, type CommandName, type Turn } from '../../src/turn/turn.ts';
import type { ConsoleReplyChannel } from './console-reply-channel.ts';
import { readAttachment } from './read-attachment.ts';

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
  'Commands: /reset, /usage, /memory [clear], /persona [text|reset], /export, /forget [confirm], ' +
  '/attach <path> (a file for your next message), /help, /exit.';

/** What `/help` adds to the commands every platform has. */
const TERMINAL_HELP =
  'In this terminal: /attach <path> — send a file (image, PDF, text) with your next message; /exit — leave.';

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
  /** Files `/attach` read, waiting for the next message. */
  const attached: Attachment[] = [];
  /** Queues a turn and waits until its reply is printed and the queue is idle. */
  const answer = async (turn: Turn) => {
    const done = replies.nextReplyDone();
    await queue.enqueue(turn);
    await done;
    await settled();
  };
  for await (const line of lines) {
    const text = line.trim();
    if (text === '/exit' || text === '/quit') break;
    const [word = '', ...rest] = text.slice(1).split(/\s+/);
    const name = word.toLowerCase() as CommandName;
    if (text === '/reset') {
      await queue.enqueue(turnOf('reset', ''));
      await settled();
      output.write('Memory cleared: this conversation starts afresh.\n');
    } else if (text.startsWith('/') && word.toLowerCase() === 'attach') {
      // The rest of the line as typed: a path may hold several spaces.
      await attachFile(text.slice(1 + word.length), attached, output);
    } else if (text.startsWith('/') && COMMAND_NAMES.includes(name)) {
      await answer(turnOf('command', '', { name, args: rest.join(' ') }));
      // The worker's help is the same on every platform; these exist only here.
      if (name === 'help') output.write(`${TERMINAL_HELP}\n`);
    } else if (text.startsWith('/')) {
      output.write(`Unknown command /${word}. ${HELP}\n`);
    } else if (text.length > 0) {
      const turn = turnOf('message', text);
      if (attached.length > 0) turn.attachments = attached.splice(0);
      await answer(turn);
    }
    output.write('You: ');
  }
  lines.close();
  output.write('\nBye.\n');
}

/** `/attach <path>`: reads the file into `attached` (for the next message), or says why it cannot. */
async function attachFile(
  argument: string,
  attached: Attachment[],
  output: NodeJS.WritableStream,
): Promise<void> {
  const read = await readAttachment(argument);
  if ('error' in read) {
    output.write(`${read.error}\n`);
    return;
  }
  attached.push(read.attachment);
  const pending = attached.length === 1 ? 'it goes' : `${attached.length} files go`;
  output.write(`Attached ${read.attachment.name}: ${pending} with your next message.\n`);
}
