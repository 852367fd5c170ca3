import type { HistoryStore, TurnCommit } from '../history/history-store.ts';
import type { ModelRoster } from '../model/model-roster.ts';
import type { ToolRegistry } from '../tools/tool-registry.ts';
import type { CommandResponse } from '../turn/reply-channel.ts';
import type { Turn } from '../turn/turn.ts';
import type { FeedbackLedger } from '../usage/feedback-ledger.ts';
import type { UsageLedger } from '../usage/usage-ledger.ts';

/** What commands need besides the turn. */
export interface CommandContext {
  /** Where conversations live. */
  store: HistoryStore;
  /** Usage per channel and user. */
  ledger: UsageLedger;
  /** 👍/👎 on answers, when recorded. */
  feedback?: FeedbackLedger;
  /** The default system prompt (what `/persona reset` returns to). */
  systemPrompt: string;
  /** Users allowed to run admin commands besides the platform's own admins (`ADMIN_USERS`). */
  adminUsers: readonly string[];
  /** Commands whose changes are reserved to admins (`ADMIN_COMMANDS`). */
  adminCommands: readonly string[];
  /** Current time, ms since epoch. */
  now: number;
  /** The worker's MCP tools, when configured (`tools`). */
  tools?: ToolRegistry;
  /** The model catalogue (`model`, and `memory`'s warning about a server that cut prompts). */
  models?: ModelRoster;
}

/** A command's effect: the private answer, and what to commit for its turn. */
export interface CommandOutcome {
  /** The answer for the invoker. */
  response: CommandResponse;
  /** Committed with the command's seq (changes made by the command itself, like a reset). */
  commit: TurnCommit;
}

/** One run of a command, as its handler sees it. */
export interface CommandInvocation {
  /** The command's turn. */
  turn: Turn;
  /** The turn's seq, committed with the outcome. */
  seq: number;
  /** What follows the command's name, trimmed. */
  args: string;
  /** The channel-level session the command acts on (persona, `forget`, usage). */
  scopeId: string;
  /** Store, ledger and settings. */
  context: CommandContext;
}

/** Runs one command. */
export type CommandHandler = (invocation: CommandInvocation) => Promise<CommandOutcome>;

/** An answer in text; the turn commits only its seq unless `commit` says more. */
export function answer(invocation: CommandInvocation, text: string, commit?: TurnCommit): CommandOutcome {
  return { response: { text }, commit: commit ?? nothingToCommit(invocation) };
}

/** The commit of a command that changed nothing in its own session's history. */
export function nothingToCommit(invocation: CommandInvocation): TurnCommit {
  return { seq: invocation.seq, messages: [], scopeId: invocation.scopeId };
}

/** Text as a Markdown block quote. */
export function quote(text: string): string {
  return text
    .split('\n')
    .map((line) => `> ${line}`)
    .join('\n');
}
