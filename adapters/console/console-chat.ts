import type { Logger } from '../../src/app/logger.ts';
import type { Attachment } from '../../src/attachments/attachment.ts';
import type { TurnQueue } from '../../src/queue/turn-queue.ts';
import { sessionId as buildSessionId, toSafePart } from '../../src/turn/session-id.ts';
import { COMMAND_NAMES, type CommandName, type Turn } from '../../src/turn/turn.ts';
import type { ConsoleReplyChannel } from './console-reply-channel.ts';
import { openLineEditor } from './line-editor.ts';
import { createLineQueue } from './line-queue.ts';
import { readAttachment } from './read-attachment.ts';

/** Options of the terminal chat. */
export interface ConsoleChatOptions {
  /** Where the user types; a TTY gets a line editor, a pipe is read line by line. */
  input: NodeJS.ReadableStream;
  /** Where the chat is printed. */
  output: NodeJS.WritableStream;
  /** Session name (`--session`); the same name continues the same conversation. */
  sessionName: string;
  /** The name the model sees as the author of what is typed (`--name`); default: the session name. */
  userName?: string;
  /** File of the lines typed, kept across runs (terminal only); undefined keeps none. */
  historyFile?: string;
  /** The in-process queue the turns go to. */
  queue: TurnQueue;
  /** The reply channel the queue's processor writes replies to. */
  replies: ConsoleReplyChannel;
  /** Whether conversations survive a restart (Redis); the banner says so when they don't. */
  durable: boolean;
  /** Logger. */
  logger: Logger;
  /** Ctrl-C: asks the worker to stop the model call of this turn (its answer is then not shown either). */
  stopTurn?(turnId: string): Promise<void>;
}

/** The banner's list: every command the worker knows, with the terminal's own. */
const HELP = `Commands: ${COMMAND_NAMES.filter((name) => name !== 'help')
  .map((name) => `/${name}`)
  .join(', ')}, /attach <path> (a file for your next message), /help (what each does), /exit.`;

/** What the terminal's keys do, in the banner when a person types at a terminal. */
const KEYS_HELP =
  'Up/Down: earlier lines · Ctrl-L: clear the screen · Ctrl-C: stop an answer, twice to quit.';

/** Runs the `You:` / `Bot:` chat until `/exit`, Ctrl-C twice or end of input. */
export async function runConsoleChat(options: ConsoleChatOptions): Promise<void> {
  const { output, queue, replies } = options;
  const session = buildSessionId('console', toSafePart(options.sessionName));
  const userName = options.userName?.trim() || options.sessionName;
  // Whoever types here runs the process: the terminal's own admin (`Author.isPlatformAdmin`).
  const author = { id: toSafePart(userName), name: userName, isPlatformAdmin: true };
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

  const answers = createAnswers(queue, replies, output, options.stopTurn);
  const editor = await openLineEditor({
    input: options.input,
    output,
    prompt: 'You: ',
    historyFile: options.historyFile,
    logger: options.logger,
    onInterrupt: () => interrupt(),
  });
  // A tool that asks first reads its y/N from the next line typed while the answer is pending.
  const lines = createLineQueue(editor.lines);
  replies.readAnswersWith((signal) => lines.next(signal));
  /** Ctrl-C: stops the answer being written; else empties the line typed; on an empty line, twice quits. */
  let armed = false;
  const interrupt = () => {
    if (answers.cancel()) {
      armed = true;
    } else if (editor.discardLine()) {
      armed = false;
    } else if (armed) {
      output.write('\n');
      void editor.close();
    } else {
      armed = true;
      output.write('\n(Press Ctrl-C again or type /exit to quit.)\n');
      editor.prompt();
    }
  };

  output.write(`Parley — session ${session}, you are ${userName}. ${HELP}\n`);
  if (editor.interactive) output.write(`${KEYS_HELP}\n`);
  if (!options.durable) output.write('(Memory only: set REDIS_URL to keep conversations across restarts.)\n');
  editor.prompt();
  /** Files `/attach` read, waiting for the next message. */
  const attached: Attachment[] = [];
  for (let line = await lines.next(); line !== undefined; line = await lines.next()) {
    armed = false;
    const text = line.trim();
    if (text === '/exit' || text === '/quit') break;
    const [word = '', ...rest] = text.slice(1).split(/\s+/);
    const name = word.toLowerCase() as CommandName;
    if (text === '/reset') {
      if (await answers.settle(queue.enqueue(turnOf('reset', '')))) {
        output.write('Memory cleared: this conversation starts afresh.\n');
      }
    } else if (text.startsWith('/') && name === ('attach' as CommandName)) {
      // The rest of the line as typed: a path may hold several spaces.
      await attachFile(text.slice(1 + word.length), attached, output);
    } else if (text.startsWith('/') && COMMAND_NAMES.includes(name)) {
      await answers.answer(turnOf('command', '', { name, args: rest.join(' ') }));
    } else if (text.startsWith('/')) {
      output.write(`Unknown command /${word}. ${HELP}\n`);
    } else if (text.length > 0) {
      const turn = turnOf('message', text);
      if (attached.length > 0) turn.attachments = attached.splice(0);
      await answers.answer(turn);
    }
    editor.prompt();
  }
  await editor.close();
  output.write('\nBye.\n');
}

/** Turns answered one at a time, each of which Ctrl-C can stop showing. */
interface Answers {
  /** Queues a turn and waits until its reply is printed and the queue is idle, or until it is cancelled. */
  answer(turn: Turn): Promise<void>;
  /** Waits for the queue to be idle after `enqueued`; resolves false when cancelled first. */
  settle(enqueued: Promise<unknown>): Promise<boolean>;
  /** Stops showing the answer being waited for; false when none is. */
  cancel(): boolean;
}

function createAnswers(
  queue: TurnQueue,
  replies: ConsoleReplyChannel,
  output: NodeJS.WritableStream,
  stopTurn: ((turnId: string) => Promise<void>) | undefined,
): Answers {
  let cancelWaiting: (() => void) | undefined;
  /** Resolves 'cancelled' on Ctrl-C while `work` runs, else what `work` resolves. */
  const cancellable = async <T>(work: (cancelled: Promise<'cancelled'>) => Promise<T>) => {
    const cancelled = new Promise<'cancelled'>((resolve) => {
      cancelWaiting = () => resolve('cancelled');
    });
    try {
      return await work(cancelled);
    } finally {
      cancelWaiting = undefined;
    }
  };
  /** Waits until the queue has processed (and committed) everything given to it. */
  const idle = async () => {
    while ((await queue.pendingCount()) > 0) await new Promise((resolve) => setTimeout(resolve, 5));
    return 'idle' as const;
  };
  /** The turn whose answer is awaited, until it has been printed. */
  let answering: string | undefined;
  return {
    answer: (turn) =>
      cancellable(async (cancelled) => {
        const done = replies.nextReplyDone().then(() => 'done' as const);
        answering = turn.id;
        await queue.enqueue(turn);
        const ended = await Promise.race([done, cancelled]);
        answering = undefined;
        if (ended === 'cancelled') {
          output.write('\n(Answer stopped.)\n');
          return;
        }
        await Promise.race([idle(), cancelled]);
      }),
    settle: (enqueued) =>
      cancellable(async (cancelled) => {
        await enqueued;
        return (await Promise.race([idle(), cancelled])) === 'idle';
      }),
    cancel() {
      if (!cancelWaiting) return false;
      const stop = cancelWaiting;
      cancelWaiting = undefined;
      // Resolved first, so the wait ends as cancelled even though the reply channel settles its waiters too.
      stop();
      if (answering !== undefined) {
        replies.cancelReply();
        // The model call stops too, so the next line is not kept waiting behind it; a failure to ask only
        // means the answer finishes unseen.
        stopTurn?.(answering).catch(() => {});
      }
      answering = undefined;
      return true;
    },
  };
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
