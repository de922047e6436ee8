/** A slash command as Slack sends it to the benches' endpoints: a form body signed (v0, HMAC-SHA256) with `secret`. */
import { createHmac } from 'node:crypto';

/** fetch() / autocannon request options; the timestamp is now, so Slack's 5-minute replay window accepts it. */
export function signedSlackRequest(secret: string, body: string) {
  const timestamp = String(Math.floor(Date.now() / 1000));
  const signature = `v0=${createHmac('sha256', secret).update(`v0:${timestamp}:${body}`).digest('hex')}`;
  return {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', 'x-slack-request-timestamp': timestamp, 'x-slack-signature': signature },
    body,
  };
}

/**
 * autocannon options that send `body` with a fresh trigger_id (and so a fresh signature) on every request:
 * the bot answers a trigger_id once (a repeat is Slack retrying), so one fixed body would measure only the
 * duplicate path after the first request.
 */
// One counter per process: every load run (rounds, scenarios) sends new trigger_ids, never an earlier run's.
let sequence = 0;

export function freshSlackRequests(secret: string, body: string) {
  const template = body.includes('trigger_id=') ? body : `${body}&trigger_id=bench`;
  return {
    ...signedSlackRequest(secret, template),
    requests: [
      {
        setupRequest: (request: Record<string, unknown>) => {
          sequence += 1;
          const fresh = template.replace(/trigger_id=[^&]*/, `trigger_id=bench.${process.pid}.${sequence}`);
          return { ...request, ...signedSlackRequest(secret, fresh) };
        },
      },
    ],
  };
}
