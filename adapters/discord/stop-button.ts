import { ButtonStyle, ComponentType } from 'discord.js';
import type { StoppableTurn } from '../../src/turn/reply-channel.ts';
import type { MessageComponents } from './discord-message-driver.ts';

/** Start of the Stop button's `custom_id`: `parley_stop:<turn id>:<asker id>`. */
export const STOP_CONTROL_PREFIX = 'parley_stop:';

/** Discord turn ids (message ids, `<id>-edit-<time>`) and user ids: nothing else is read from a click. */
const TURN_ID = /^[A-Za-z0-9._-]{1,60}$/;
const USER_ID = /^\d{1,20}$/;

/** The `custom_id` of the Stop button of `turn` (well under Discord's 100 characters). */
export function stopControlId(turn: StoppableTurn): string {
  return `${STOP_CONTROL_PREFIX}${turn.turnId}:${turn.askerId}`;
}

/** The turn a Stop button's `custom_id` names, or undefined when it is not one Parley made. */
export function parseStopControlId(customId: string): StoppableTurn | undefined {
  if (!customId.startsWith(STOP_CONTROL_PREFIX)) return undefined;
  const rest = customId.slice(STOP_CONTROL_PREFIX.length);
  const separator = rest.lastIndexOf(':');
  const turnId = rest.slice(0, separator);
  const askerId = rest.slice(separator + 1);
  if (separator < 0 || !TURN_ID.test(turnId) || !USER_ID.test(askerId)) return undefined;
  return { turnId, askerId };
}

/** The row with the Stop button the streamed message of `turn` carries. */
export function stopButtonRow(turn: StoppableTurn): MessageComponents {
  return [
    {
      type: ComponentType.ActionRow,
      components: [
        {
          type: ComponentType.Button,
          style: ButtonStyle.Danger,
          label: 'Stop',
          custom_id: stopControlId(turn),
        },
      ],
    },
  ];
}
