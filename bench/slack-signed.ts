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
