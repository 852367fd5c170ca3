import { expect } from 'vitest';
import { parseSessionId } from '../../src/turn/session-id.ts';
import { COMMAND_NAMES, type Platform, type Turn } from '../../src/turn/turn.ts';

const SAFE_PART = /^[A-Za-z0-9._-]+$/;

/**
 * What every turn an adapter produces must satisfy, whatever the input: a session ID (and scope) that
 * `parseSessionId` accepts and whose parts are safe inside Redis keys, a non-empty id, string text, a known
 * kind, an author and a target of the right platform. `label` names the case in failure messages.
 */
export function expectValidTurn(turn: Turn, platform: Platform, label: string): void {
  const parsed = parseSessionId(turn.sessionId);
  expect(parsed.platform, label).toBe(platform);
  for (const part of parsed.parts) expect(part, label).toMatch(SAFE_PART);
  if (turn.scopeId !== undefined) {
    const scope = parseSessionId(turn.scopeId);
    expect(scope.platform, label).toBe(platform);
    for (const part of scope.parts) expect(part, label).toMatch(SAFE_PART);
  }
  expect(typeof turn.id, label).toBe('string');
  expect(turn.id.length, label).toBeGreaterThan(0);
  expect(typeof turn.text, label).toBe('string');
  expect(['message', 'reset', 'command', 'listen', 'edit', 'delete'], label).toContain(turn.kind);
  if (turn.kind === 'command') expect(COMMAND_NAMES, label).toContain(turn.command?.name);
  // A message is answered for its text or its files: one of them is there.
  if (turn.kind === 'message') {
    expect(turn.text.trim().length > 0 || (turn.attachments?.length ?? 0) > 0, label).toBe(true);
  }
  expect(typeof turn.author.id, label).toBe('string');
  expect(turn.author.id.length, label).toBeGreaterThan(0);
  expect(typeof turn.author.name, label).toBe('string');
  expect(turn.target.platform, label).toBe(platform);
  expect(typeof turn.target.channelId, label).toBe('string');
  // The turn travels through Redis as JSON: it must survive the round trip unchanged in its identity.
  const copy = JSON.parse(JSON.stringify(turn)) as Turn;
  expect(copy.sessionId, label).toBe(turn.sessionId);
  expect(copy.id, label).toBe(turn.id);
  expect(copy.text, label).toBe(turn.text);
}
