// End-to-end tests of the chat view with the shipped dictionary model: a streamed answer that carries the key words
// of the WordNet gloss, and Stop ending a long generation within a token.
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureServer, withBrowser, openApp, errorBanner } from './lib.mjs';

const T = { timeout: 600_000 };
// WordNet 3.0, noun car (sense 1): "a motor vehicle with four wheels; usually propelled by an internal combustion engine".
const QUESTION = 'What does car mean?';
const GLOSS_WORDS = ['motor vehicle', 'four wheels', 'engine'];

let stopServer = async () => {};
before(async () => {
  stopServer = await ensureServer();
}, { timeout: 600_000 });
after(() => stopServer());

async function openChat(page) {
  await openApp(page, { ep: 'wasm' });
  await page.locator('[data-testid=nav-chat]').click();
  await page.locator('[data-testid=chat-view]').waitFor({ state: 'visible' });
  await page.locator('[data-testid=chat-model-info]').waitFor({ state: 'visible', timeout: 120_000 });
  // Record every text the streaming assistant message shows, to prove tokens arrive before the answer is complete.
  await page.evaluate(() => {
    window.__chatSnapshots = [];
    new MutationObserver(() => {
      const m = [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].pop();
      if (m?.dataset.streaming === 'true') window.__chatSnapshots.push(m.querySelector('.chat-text')?.textContent ?? '');
    }).observe(document.querySelector('[data-testid=chat-messages]'), { subtree: true, childList: true, characterData: true, attributes: true });
  });
}

async function ask(page, text) {
  await page.locator('[data-testid=chat-input]').fill(text);
  await page.locator('[data-testid=chat-send]').click();
}

const lastAnswer = (page) => page.locator('[data-testid=chat-message][data-role=assistant]').last();

test('chat: the dictionary model streams the WordNet meaning of "car"', T, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openChat(page);
    await ask(page, QUESTION);
    await page.waitForFunction(() => {
      const m = [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].pop();
      return m && m.dataset.streaming === 'false' && m.dataset.stop;
    }, null, { timeout: 300_000 });
    const banner = await errorBanner(page);
    assert.equal(banner, null, `error while answering: ${banner?.code}: ${banner?.text}`);
    const answer = (await lastAnswer(page).locator('.chat-text').textContent()).trim();
    const stop = await lastAnswer(page).getAttribute('data-stop');
    const stats = page.locator('[data-testid=chat-stats]');
    t.diagnostic(`answer (${stop}, ${await lastAnswer(page).getAttribute('data-tokens')} tokens, TTFT ${await stats.getAttribute('data-ttft-ms')} ms, ${await stats.getAttribute('data-tps')} tokens/s): ${answer}`);
    assert.equal(stop, 'eos', 'the answer did not end with the end-of-turn token');
    const missing = GLOSS_WORDS.filter((w) => !answer.toLowerCase().includes(w));
    assert.deepEqual(missing, [], `the answer lacks gloss words ${missing.join(', ')}`);

    const snapshots = await page.evaluate(() => window.__chatSnapshots);
    const partial = snapshots.map((s) => s.trim()).filter((s) => s && s !== '…' && s.length < answer.length && answer.startsWith(s));
    t.diagnostic(`texts seen while streaming: ${JSON.stringify(snapshots.slice(0, 4))} … (${snapshots.length})`);
    t.diagnostic(`${partial.length} partial texts seen while streaming`);
    // The store coalesces streamed text per animation frame: on a fast machine a 28-token answer can take only a few frames.
    assert.ok(partial.length >= 1, 'no partial answer was shown before the answer was complete');
    assert.ok(Number(await stats.getAttribute('data-ttft-ms')) > 0 && Number(await stats.getAttribute('data-tps')) > 0, 'no TTFT / tokens/s shown');
  });
});

test('chat: Stop ends a long sampled generation within a token; a new chat clears the history', T, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openChat(page);
    // Sampling at a very high temperature makes the end-of-turn token unlikely, so the answer runs long.
    await page.locator('[data-testid=chat-settings] summary').click();
    await page.locator('[data-testid=chat-sample]').check();
    const field = (label) => page.locator('[data-testid=chat-settings] label', { hasText: label }).locator('input');
    await field('Temperature').fill('8');
    await field('Max new tokens').fill('400');
    await ask(page, QUESTION);
    await page.waitForFunction(() => (window.__chatSnapshots.at(-1) ?? '').replace('…', '').length > 12, null, { timeout: 300_000 });
    await page.locator('[data-testid=chat-stop]').click();
    await page.waitForFunction(() => {
      const m = [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].pop();
      return m && m.dataset.streaming === 'false';
    }, null, { timeout: 60_000 });
    const stop = await lastAnswer(page).getAttribute('data-stop');
    const tokens = Number(await lastAnswer(page).getAttribute('data-tokens'));
    t.diagnostic(`stopped after ${tokens} tokens (${stop})`);
    assert.equal(stop, 'aborted');
    assert.ok(tokens < 400, `generation ran to ${tokens} tokens`);

    await page.locator('[data-testid=chat-new]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=chat-message]').length === 0, null, { timeout: 30_000 });
  });
});
