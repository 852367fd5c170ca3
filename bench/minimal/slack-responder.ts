/**
 * The least a Slack bot can do per mention, as the floor the through-Slack figures are held against: check
 * the request's signature and age (what Slack requires of every app), ack 200, one call to the model's
 * chat completions, one `chat.postMessage` into the thread. No history, no queue, no retries.
 * Env: OPENAI_BASE_URL, MODEL, SLACK_BOT_TOKEN, SLACK_SIGNING_SECRET, SLACK_API_URL, PORT, HOST.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer } from 'node:http';

const env = process.env as Record<string, string>;
const signed = (timestamp: string, body: string) =>
  `v0=${createHmac('sha256', env.SLACK_SIGNING_SECRET!).update(`v0:${timestamp}:${body}`).digest('hex')}`;

async function answer(event: { channel: string; ts: string; thread_ts?: string; text: string }) {
  const completion = await fetch(`${env.OPENAI_BASE_URL}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer none' },
    body: JSON.stringify({ model: env.MODEL, messages: [{ role: 'user', content: event.text }] }),
  });
  const text = ((await completion.json()) as { choices: [{ message: { content: string } }] }).choices[0]
    .message.content;
  const posted = await fetch(`${env.SLACK_API_URL}chat.postMessage`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json; charset=utf-8',
      authorization: `Bearer ${env.SLACK_BOT_TOKEN}`,
    },
    body: JSON.stringify({ channel: event.channel, thread_ts: event.thread_ts ?? event.ts, text }),
  });
  await posted.arrayBuffer();
}

createServer((request, response) => {
  if (request.url === '/healthz') return void response.end('ok');
  const chunks: Buffer[] = [];
  request.on('data', (chunk: Buffer) => chunks.push(chunk));
  request.on('end', () => {
    const body = Buffer.concat(chunks).toString('utf8');
    const timestamp = String(request.headers['x-slack-request-timestamp']);
    const signature = Buffer.from(String(request.headers['x-slack-signature']));
    const expected = Buffer.from(signed(timestamp, body));
    const fresh = Math.abs(Date.now() / 1000 - Number(timestamp)) < 300;
    if (!fresh || signature.length !== expected.length || !timingSafeEqual(signature, expected)) {
      return void response.writeHead(401).end();
    }
    response.writeHead(200).end();
    const payload = JSON.parse(body) as {
      type: string;
      event?: Parameters<typeof answer>[0] & { type: string };
    };
    if (payload.type === 'event_callback' && payload.event?.type === 'app_mention') {
      answer(payload.event).catch((error) => console.error(error));
    }
  });
}).listen(Number(env.PORT), env.HOST);
