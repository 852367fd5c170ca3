/**
 * The least a Discord bot can do per mention, as the floor the through-Discord figures are held against: a
 * raw gateway client (`ws`: HELLO → IDENTIFY, heartbeats), and for each MESSAGE_CREATE mentioning it one call
 * to the model's chat completions and one REST post of the answer. No history, no queue, no retries.
 * Env: OPENAI_BASE_URL, MODEL, DISCORD_TOKEN, DISCORD_API_URL.
 */
import WebSocket from 'ws';

const env = process.env as Record<string, string>;
const api = `${env.DISCORD_API_URL}/v10`;
const bot = { authorization: `Bot ${env.DISCORD_TOKEN}`, 'content-type': 'application/json' };
// GUILDS | GUILD_MESSAGES | DIRECT_MESSAGES | MESSAGE_CONTENT
const INTENTS = (1 << 0) | (1 << 9) | (1 << 12) | (1 << 15);
type Message = {
  id: string;
  channel_id: string;
  content: string;
  author: { bot?: boolean };
  mentions: { id: string }[];
};

async function answer(message: Message) {
  const completion = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer none' },
    body: JSON.stringify({ model: env.MODEL, messages: [{ role: 'user', content: message.content }] }),
  });
  const text = ((await completion.json()) as { choices: [{ message: { content: string } }] }).choices[0]
    .message.content;
  const posted = await fetch(`${api}/channels/${message.channel_id}/messages`, {
    method: 'POST',
    headers: bot,
    body: JSON.stringify({ content: text, message_reference: { message_id: message.id } }),
  });
  await posted.arrayBuffer();
}

const { url } = (await (await fetch(`${api}/gateway/bot`, { headers: bot })).json()) as { url: string };
const socket = new WebSocket(`${url}?v=10&encoding=json`);
let sequence: number | null = null;
let botId = '';
socket.on('message', (raw) => {
  const payload = JSON.parse(String(raw)) as {
    op: number;
    t?: string;
    s?: number;
    d: { heartbeat_interval: number; user: { id: string } } & Message;
  };
  if (payload.s) sequence = payload.s;
  if (payload.op === 10) {
    setInterval(() => socket.send(JSON.stringify({ op: 1, d: sequence })), payload.d.heartbeat_interval);
    const properties = { os: 'linux', browser: 'bench', device: 'bench' };
    socket.send(JSON.stringify({ op: 2, d: { token: env.DISCORD_TOKEN, intents: INTENTS, properties } }));
  } else if (payload.t === 'READY') botId = payload.d.user.id;
  else if (payload.t === 'MESSAGE_CREATE') {
    const message = payload.d as Message;
    if (message.author.bot || !message.mentions.some((user) => user.id === botId)) return;
    answer(message).catch((error) => console.error(error));
  }
});
