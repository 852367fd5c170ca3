import { describe, expect, it } from 'vitest';
import { parseStopControlId, stopControlId } from '../../../../adapters/discord/stop-button.ts';

describe('the Stop button custom_id', () => {
  it('round-trips the turn (message ids and edit ids) and the asker, within 100 characters', () => {
    for (const turnId of ['1180000000000000001', '1180000000000000001-edit-1733300000000']) {
      const id = stopControlId({ turnId, askerId: '1180000000000000002' });
      expect(id.length).toBeLessThanOrEqual(100);
      expect(parseStopControlId(id)).toEqual({ turnId, askerId: '1180000000000000002' });
    }
  });

  it('reads nothing from ids it did not make', () => {
    for (const id of [
      'parley_stop:',
      'parley_stop:123',
      'parley_stop::456',
      'parley_stop:12 3:456',
      'parley_stop:123:abc',
      'parley_tool_confirm:approve:1:2',
    ]) {
      expect(parseStopControlId(id)).toBeUndefined();
    }
  });
});
