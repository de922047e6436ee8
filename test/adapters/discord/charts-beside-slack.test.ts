/**
 * Discord's chart images in a process that serves Slack too, with Slack's SDK loaded first. Importing Bolt
 * loads @slack/socket-mode's undici 7, which installs its Agent as undici's global dispatcher when none is
 * set; @discordjs/rest (undici 6) sent through that global Agent, so every multipart upload — each chart
 * edit — failed with "action is not a function" (an undici 6 FormData body in an undici 7 Agent), the text
 * answer standing alone. Found by running the test files in one module graph; production escaped only
 * because the registry happens to start Discord first. The whole Discord chart suite, again, in that order.
 */
import '@slack/bolt';
import './charts.test.js';
