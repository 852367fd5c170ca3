import type { FaultRecord } from './fault-schedule.ts';
import type { SoakCounts } from './verify-soak.ts';

/** Everything the report shows besides the counts. */
export interface SoakRunFacts {
  turns: number;
  sessions: number;
  workers: number;
  elapsedS: number;
  /** Turns the producer never sent (the deadline came first). */
  unsent: number;
  /** Whether the global deadline ended the run. */
  deadlineHit: boolean;
  faults: FaultRecord[];
  /** Exit of each worker alive at the end (0 after a clean SIGTERM). */
  workerExits: Array<{ pid: number; exit: number | string }>;
  /** Answers the fake model produced (failed requests not included). */
  modelAnswers: number;
}

const number = (value: number) => value.toLocaleString('en-US');

/** Whether the run is a pass: nothing lost, duplicated, out of order or inconsistent, and every turn sent. */
export function soakPassed(counts: SoakCounts, facts: SoakRunFacts): boolean {
  return (
    counts.lost === 0 &&
    counts.duplicated === 0 &&
    counts.outOfOrder === 0 &&
    counts.historyMismatch === 0 &&
    facts.unsent === 0
  );
}

/** The result as Markdown: the table, then what ran and any problems. */
export function formatSoakReport(counts: SoakCounts, facts: SoakRunFacts): string {
  const lines = [
    `Parley soak: ${number(facts.turns)} turns over ${number(facts.sessions)} sessions, ${facts.workers} workers, ` +
      `${facts.elapsedS.toFixed(0)} s${facts.deadlineHit ? ' (stopped by the deadline)' : ''}`,
    '',
    '| sent | answered | errored | lost | duplicated | out of order |',
    '|---:|---:|---:|---:|---:|---:|',
    `| ${[counts.sent, counts.answered, counts.errored, counts.lost, counts.duplicated, counts.outOfOrder].map(number).join(' | ')} |`,
    '',
    `- history mismatches (shown ≠ stored): ${number(counts.historyMismatch)}`,
    `- placeholders left by the SIGKILLed worker between posting and recording: ${number(counts.strayPlaceholders)}`,
    `- replies started by one worker and finished by another (re-runs after the SIGKILL): ${number(counts.takenOver)}`,
    `- not sent before the deadline: ${number(facts.unsent)}`,
    `- model answers served: ${number(facts.modelAnswers)}`,
    `- final replies per worker pid: ${[...counts.finalsByPid].map(([pid, count]) => `${pid}: ${number(count)}`).join(', ')}`,
    `- worker exits at the end: ${facts.workerExits.map(({ pid, exit }) => `${pid}: ${exit}`).join(', ')}`,
    '- faults:',
    ...facts.faults.map(
      (fault) => `  - ${fault.startedS.toFixed(0)}–${fault.endedS.toFixed(0)} s: ${fault.name}`,
    ),
  ];
  if (counts.problems.length > 0) {
    lines.push('- first problems:', ...counts.problems.map((problem) => `  - ${problem}`));
  }
  lines.push('', soakPassed(counts, facts) ? 'PASS' : 'FAIL');
  return lines.join('\n');
}
