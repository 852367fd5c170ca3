import type { HistoryStore } from '../src/history/history-store.ts';
import type { PlatformMessage } from '../test/fakes/fake-chat-platform.ts';
import { expectedSoakReply, soakChannelId, soakSessionId, soakTurnId } from './soak-turns.ts';

/** What the soak found, turn by turn. Every sent turn is exactly one of answered, errored or lost. */
export interface SoakCounts {
  /** Turns accepted by the queue. */
  sent: number;
  /** The model's answer is the turn's one final reply, and it is in the history after the user's message. */
  answered: number;
  /** An error message is the turn's one final reply; the history keeps the user's message without an answer. */
  errored: number;
  /** No final reply, or not committed, or the user's message is missing from the history. */
  lost: number;
  /** More than one final reply (or a second message the SIGKILL gap does not explain), or a message stored twice. */
  duplicated: number;
  /** Replies posted or committed out of turn order, or an answer built from a history in the wrong order. */
  outOfOrder: number;
  /** The platform and the stored history disagree about a turn (answer shown but not stored, or the reverse). */
  historyMismatch: number;
  /** Placeholders a SIGKILLed worker posted but never recorded (the post-then-record gap); tolerated. */
  strayPlaceholders: number;
  /** Turns whose reply one worker started and another finished (a re-run after the SIGKILL or a lost lock). */
  takenOver: number;
  /** Final replies per worker pid (the last writer of each). */
  finalsByPid: Map<number, number>;
  /** The first problems found, for the report. */
  problems: string[];
}

/** Inputs of `verifySoak`. */
export interface VerifyOptions {
  /** Sessions 1..n. */
  sessions: number;
  /** Turns sent to each session (index 0 is session 1). */
  sentPerSession: number[];
  /** The recording platform's messages. */
  messages: PlatformMessage[];
  /** The history store on the soak's Redis. */
  store: HistoryStore;
  /** Pids of workers that were SIGKILLed. */
  killedPids: ReadonlySet<number>;
}

const ERROR_PREFIX = '⚠️';

/** Checks every sent turn against the platform's record and the stored history. */
export async function verifySoak(options: VerifyOptions): Promise<SoakCounts> {
  const counts: SoakCounts = {
    sent: options.sentPerSession.reduce((sum, count) => sum + count, 0),
    answered: 0,
    errored: 0,
    lost: 0,
    duplicated: 0,
    outOfOrder: 0,
    historyMismatch: 0,
    strayPlaceholders: 0,
    takenOver: 0,
    finalsByPid: new Map(),
    problems: [],
  };
  const problem = (text: string) => {
    if (counts.problems.length < 30) counts.problems.push(text);
  };
  const byChannel = new Map<string, PlatformMessage[]>();
  for (const message of options.messages) {
    const list = byChannel.get(message.channelId) ?? [];
    list.push(message);
    byChannel.set(message.channelId, list);
  }

  for (let session = 1; session <= options.sessions; session++) {
    const sent = options.sentPerSession[session - 1] ?? 0;
    const sessionId = soakSessionId(session);
    const committed = await options.store.committedSeq(sessionId);
    const history = await options.store.load(sessionId);
    const messages = byChannel.get(soakChannelId(session)) ?? [];
    const duplicated = new Set<number>();
    const outOfOrder = new Set<number>();
    const mismatched = new Set<number>();

    // The stored history: each turn's user message once, in turn order, followed by at most its answer.
    const stored = new Map<number, { users: number; answer: string | undefined }>();
    let lastUserTurn = 0;
    let currentTurn: number | undefined;
    for (const message of history) {
      if (message.role === 'user') {
        const match = /^s(\d+)-t(\d+)$/.exec(message.content.trim());
        const turn = match && Number(match[1]) === session ? Number(match[2]) : undefined;
        if (turn === undefined) {
          problem(`${sessionId}: stranger in the history: ${JSON.stringify(message.content)}`);
          continue;
        }
        const entry = stored.get(turn) ?? { users: 0, answer: undefined };
        entry.users += 1;
        stored.set(turn, entry);
        if (entry.users > 1) {
          duplicated.add(turn);
          problem(`${soakTurnId(session, turn)}: user message stored ${entry.users} times`);
        }
        if (turn <= lastUserTurn) {
          outOfOrder.add(turn);
          problem(`${soakTurnId(session, turn)}: stored after turn ${lastUserTurn}`);
        }
        lastUserTurn = Math.max(lastUserTurn, turn);
        currentTurn = turn;
      } else {
        const entry = currentTurn === undefined ? undefined : stored.get(currentTurn);
        if (!entry || currentTurn === undefined) {
          problem(`${sessionId}: an answer with no question before it`);
          continue;
        }
        if (entry.answer !== undefined) {
          duplicated.add(currentTurn);
          problem(`${soakTurnId(session, currentTurn)}: two answers stored`);
        }
        entry.answer = message.content;
      }
    }

    let previous: { serial: number; finalAt: number } | undefined;
    for (let turn = 1; turn <= sent; turn++) {
      const turnId = soakTurnId(session, turn);
      const forTurn = messages.filter((message) => message.replyTo === turnId);
      const finals = forTurn.filter((message) => message.final);
      for (const other of forTurn.filter((message) => !message.final)) {
        const gap = !other.recorded && other.writes.every((write) => options.killedPids.has(write.pid));
        if (gap) counts.strayPlaceholders += 1;
        else {
          duplicated.add(turn);
          problem(`${turnId}: unfinished second message ${other.id} (${JSON.stringify(other.writes)})`);
        }
      }
      if (finals.length > 1) {
        duplicated.add(turn);
        problem(`${turnId}: ${finals.length} final replies`);
      }
      const entry = stored.get(turn);
      const final = finals[0];
      if (turn > committed || !entry || !final) {
        counts.lost += 1;
        problem(
          `${turnId}: lost (committed seq ${committed}, stored ${entry ? 'yes' : 'no'}, final replies ${finals.length})`,
        );
        continue;
      }
      const lastFinalWrite = final.writes.findLast((write) => write.final);
      if (new Set(final.writes.map((write) => write.pid)).size > 1) counts.takenOver += 1;
      if (lastFinalWrite) {
        counts.finalsByPid.set(lastFinalWrite.pid, (counts.finalsByPid.get(lastFinalWrite.pid) ?? 0) + 1);
      }

      if (final.text.startsWith(ERROR_PREFIX)) {
        counts.errored += 1;
        if (entry.answer !== undefined) {
          mismatched.add(turn);
          problem(`${turnId}: an error message was shown, but an answer was stored`);
        }
      } else {
        counts.answered += 1;
        if (final.text !== expectedSoakReply(session, turn)) {
          outOfOrder.add(turn);
          problem(`${turnId}: answered ${JSON.stringify(final.text)} (a prompt from the wrong history)`);
        }
        if (entry.answer !== final.text) {
          mismatched.add(turn);
          problem(`${turnId}: shown ${JSON.stringify(final.text)}, stored ${JSON.stringify(entry.answer)}`);
        }
      }

      // Replies appear in turn order and are finished in turn order.
      const firstFinal = final.writes.find((write) => write.final)?.arrival ?? 0;
      if (previous && (final.serial < previous.serial || firstFinal < previous.finalAt)) {
        outOfOrder.add(turn);
        problem(`${turnId}: its reply was posted or finished before the previous turn's`);
      }
      previous = { serial: final.serial, finalAt: firstFinal };
    }

    // A turn this session never sent must not appear anywhere.
    for (const turn of stored.keys()) {
      if (turn > sent) {
        duplicated.add(turn);
        problem(`${sessionId}: history holds turn ${turn} of ${sent} sent`);
      }
    }
    const known = new Set(Array.from({ length: sent }, (_, index) => soakTurnId(session, index + 1)));
    const strays = messages.filter((message) => !known.has(message.replyTo ?? ''));
    if (strays.length > 0) {
      counts.duplicated += strays.length;
      problem(`${sessionId}: ${strays.length} messages answering no sent turn`);
    }
    counts.duplicated += duplicated.size;
    counts.outOfOrder += outOfOrder.size;
    counts.historyMismatch += mismatched.size;
  }
  return counts;
}
