// End-to-end tests of the chat view with the shipped dictionary models: a streamed answer that carries the key words
// of the WordNet gloss, Stop ending a long generation within a token, the grounded default model answering the issue's
// questions from the WordNet entry (shown as the source), and the WordNet check on the memorising model (an answer
// about another word is withheld, with the entry of the word asked as the source).
import test, { before, after } from 'node:test';
import assert from 'node:assert/strict';
import { ensureServer, withBrowser, openApp, errorBanner, axeViolations } from './lib.mjs';

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
      return (m && m.dataset.streaming === 'false' && m.dataset.stop) || document.querySelector('[data-testid=error]');
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

test('chat: the int8-weights model is in the picker, downloads 2.4 MB instead of 8.8, and gives the float32 model\'s grounded "car" answer', T, async (t) => {
  await withBrowser(t, {}, async ({ page, requests }) => {
    await openChat(page);
    await chooseModel(page, 'wordnet-dssn', /^WordNet dictionary assistant \(DSSN, 2\.2M\):/);
    const float32 = await askAndRead(page, QUESTION);
    requests.length = 0;
    await page.locator('[data-testid=chat-model]').selectOption('wordnet-dssn-int8');
    await page.waitForFunction(() => /int8 weights/.test(document.querySelector('[data-testid=chat-model-info]')?.textContent ?? ''), null, { timeout: 120_000 });
    const info = (await page.locator('[data-testid=chat-model-info]').textContent()).trim();
    const onnx = requests.map((r) => r.url).filter((u) => u.endsWith('.onnx'));
    t.diagnostic(`${info} | fetched ${onnx.join(' ')}`);
    assert.deepEqual(onnx.map((u) => new URL(u).pathname), ['/models/chat/wordnet-dssn-int8/model.onnx']);
    assert.match(info, / 2\.3 MB · WASM/, 'the int8 model is not the 2.3 MiB file');
    const int8 = await askAndRead(page, QUESTION);
    t.diagnostic(`float32: ${float32.text} | int8: ${int8.text}`);
    assert.equal(int8.verdict, float32.verdict);
    assert.equal(int8.text, float32.text, 'the int8 model answered "car" differently');
    const missing = GLOSS_WORDS.filter((w) => !int8.text.toLowerCase().includes(w));
    assert.deepEqual(missing, [], `the answer lacks gloss words ${missing.join(', ')}`);
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
    // A question that names no word: nothing to check against WordNet, so the sampled text streams as it comes
    // (an unreadable answer about a word would be hidden and stopped early).
    await ask(page, 'What can you do?');
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

/** Picks a shipped chat model and waits until its info line matches `name`. */
async function chooseModel(page, id, name) {
  await page.locator('[data-testid=chat-model]').selectOption(id);
  await page.waitForFunction(([re]) => new RegExp(re).test((document.querySelector('[data-testid=chat-model-info]')?.textContent ?? '').trim()) && !/Loading/.test(document.querySelector('.toolbar')?.textContent ?? ''), [name.source], { timeout: 120_000 });
}

/** Asks `text` in a new chat and waits for the finished answer: { verdict, text, notice, source, sourceOpen, stop }. */
async function askAndRead(page, text) {
  await page.locator('[data-testid=chat-new]').click();
  await page.waitForFunction(() => document.querySelectorAll('[data-testid=chat-message]').length === 0, null, { timeout: 30_000 });
  await ask(page, text);
  await page.waitForFunction(() => {
    const m = [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].pop();
    return m && m.dataset.streaming === 'false' && m.dataset.stop;
  }, null, { timeout: 300_000 });
  const banner = await errorBanner(page);
  assert.equal(banner, null, `error while answering ${text}: ${banner?.code}: ${banner?.text}`);
  const m = lastAnswer(page);
  const read = async (sel) => ((await m.locator(sel).count()) ? (await m.locator(sel).first().textContent()).trim() : null);
  return {
    verdict: await m.getAttribute('data-verdict'),
    stop: await m.getAttribute('data-stop'),
    text: await read('.chat-text'),
    notice: await read('[data-testid=chat-notice]'),
    source: await read('[data-testid=chat-source]'),
    sourceOpen: (await m.locator('[data-testid=chat-source]').count()) ? await m.locator('[data-testid=chat-source]').evaluate((d) => d.open) : null,
  };
}

const HEADWORD = /^\s*([^():\n]+?) \((?:noun|verb|adjective|adverb)\):/;

test('chat: answers are checked against WordNet 3.0; another word\'s definition is never shown', T, async (t) => {
  await withBrowser(t, {}, async ({ page }) => {
    await openChat(page);
    // the memorising model (1,500 words, no context): what it gets wrong is withheld
    await chooseModel(page, 'wordnet-dssn', /^WordNet dictionary assistant \(DSSN, 2\.2M\):/);
    assert.match(await page.locator('[data-testid=chat-purpose]').textContent(), /Ask about any English word: meanings, synonyms, opposites, examples/);
    const intended = (await page.locator('[data-testid=chat-intended-use]').textContent()) ?? '';
    assert.doesNotMatch(intended, /clinical/i, `intended use: ${intended}`);

    // The words the model does not know: either grounded, or withheld with the entry of the word asked as the source.
    for (const [question, word, gloss] of [
      ['What does bread mean?', 'bread', 'food made from dough'],
      ['Define king.', 'king', 'a male sovereign'],
    ]) {
      const a = await askAndRead(page, question);
      t.diagnostic(`${question} → ${a.verdict} (${a.stop}): ${a.text ?? '(hidden)'} | notice: ${a.notice}`);
      const head = a.text && HEADWORD.exec(a.text);
      if (head) assert.equal(head[1].toLowerCase(), word, `${question}: a definition of "${head[1]}" is shown`);
      assert.ok(a.verdict === 'grounded' || a.verdict === 'wrong-word', `${question}: verdict ${a.verdict}`);
      if (a.verdict === 'wrong-word') {
        assert.equal(a.text, null, `${question}: the withheld answer is on the page`);
        assert.match(a.notice, new RegExp(`The model answered about \u201c[^\u201d]+\u201d, not \u201c${word}\u201d, so its answer is hidden\\.`));
        assert.equal(a.sourceOpen, true, 'the source is open when the answer is withheld');
      }
      assert.match(a.source, /^Source: WordNet 3\.0/);
      assert.ok(a.source.includes(gloss), `${question}: the source lacks "${gloss}": ${a.source}`);
      if (question.startsWith('What does bread')) assert.deepEqual(await axeViolations(page), [], 'accessibility with a withheld answer and its source');
    }

    // A one-word question the model refuses as off-topic ("what is a river"): the refusal is hidden, the entry answers.
    const river = await askAndRead(page, 'what is a river');
    t.diagnostic(`what is a river → ${river.verdict}: ${river.text ?? '(hidden)'} | notice: ${river.notice}`);
    if (river.verdict !== 'grounded') {
      assert.equal(river.text, null, 'what is a river: a refusal or another word is on the page');
      assert.equal(river.sourceOpen, true);
    }
    assert.ok(river.source.includes('a large natural stream of water'), `what is a river: the source lacks the gloss: ${river.source}`);

    // A made-up word: a notice that quotes it exactly as typed.
    const made = await askAndRead(page, 'What does blorptastic mean?');
    t.diagnostic(`blorptastic → ${made.verdict}: ${made.text ?? '(hidden)'} | notice: ${made.notice}`);
    assert.equal(made.verdict, 'unknown-word');
    assert.ok(made.notice?.startsWith('\u201cblorptastic\u201d is not in WordNet 3.0.'), `notice: ${made.notice}`);
    if (made.text) {
      assert.doesNotMatch(made.text, HEADWORD, 'a definition of a made-up word is shown');
      assert.match(made.text, /the word "blorptastic"/, 'a refusal on the page names another word than the one typed');
    }

    // An answer the model gets right is still shown, with the source collapsed.
    const car = await askAndRead(page, QUESTION);
    t.diagnostic(`car → ${car.verdict}: ${car.text}`);
    assert.equal(car.verdict, 'grounded');
    assert.equal(car.stop, 'eos');
    assert.deepEqual(GLOSS_WORDS.filter((w) => !car.text.toLowerCase().includes(w)), []);
    assert.equal(car.notice, null);
    assert.equal(car.sourceOpen, false, 'the source of a grounded answer starts collapsed');
    assert.match(car.source, /^Source: WordNet 3\.0/);
    assert.deepEqual(await axeViolations(page), [], 'accessibility with a grounded answer');
  });
});

// WordNet 3.0 first senses of the issue's words, as the entry gives them.
const ISSUE = [
  ['What does bread mean?', 'bread', 'noun', 'food made from dough of flour or meal'],
  ['what is a river', 'river', 'noun', 'a large natural stream of water'],
  ['Tell me about dogs', 'dog', 'noun', 'a member of the genus Canis'],
  ['What does the word "winter" mean?', 'winter', 'noun', 'the coldest season of the year'],
  ['Define king.', 'king', 'noun', 'a male sovereign'],
];

test('chat: the grounded model answers the issue\'s questions from the WordNet entry, shown as the source', T, async (t) => {
  await withBrowser(t, {}, async ({ page, requests }) => {
    await openChat(page);
    const info = (await page.locator('[data-testid=chat-model-info]').textContent()).trim();
    assert.match(info, /grounded/, `the default model is not the grounded one: ${info}`);
    assert.match(await page.locator('[data-testid=chat-purpose]').textContent(), /Ask about any English word: meanings, synonyms, opposites, examples/);
    assert.doesNotMatch((await page.locator('[data-testid=chat-intended-use]').textContent()) ?? '', /clinical/i);

    for (const [question, word, pos, gloss] of ISSUE) {
      const a = await askAndRead(page, question);
      t.diagnostic(`${question} → ${a.verdict} (${a.stop}): ${a.text ?? '(hidden)'}`);
      assert.equal(a.verdict, 'grounded', `${question}: ${a.verdict} ${a.notice ?? ''}`);
      assert.ok(a.text.startsWith(`${word} (${pos}): ${gloss}`), `${question}: ${a.text}`);
      assert.equal(a.stop, 'eos');
      assert.match(a.source, /^Source: WordNet 3\.0/);
      assert.ok(a.source.includes(gloss), `${question}: the source lacks "${gloss}"`);
      assert.equal(a.sourceOpen, false, 'the source of a grounded answer starts collapsed');
    }

    // "hello": a greeting, or the entry's meaning; either way nothing about another word
    const hello = await askAndRead(page, 'hello');
    t.diagnostic(`hello → ${hello.verdict}: ${hello.text}`);
    assert.ok(
      (hello.verdict === 'grounded' && hello.text.startsWith('hello (noun): an expression of greeting')) || (hello.verdict === 'off-topic' && hello.text.startsWith('Hello! I am a dictionary assistant.')),
      `hello: ${hello.verdict} ${hello.text}`,
    );

    // a made-up word: refused by the model itself, quoting the word exactly as typed
    const made = await askAndRead(page, 'What does Blorptastic mean?');
    t.diagnostic(`Blorptastic → ${made.verdict}: ${made.text}`);
    assert.equal(made.verdict, 'unknown-word');
    assert.ok(made.text?.startsWith('I don\'t know the word "Blorptastic".'), `refusal: ${made.text}`);

    // a follow-up in the same chat resolves to the word of the previous question
    await page.locator('[data-testid=chat-new]').click();
    await page.waitForFunction(() => document.querySelectorAll('[data-testid=chat-message]').length === 0, null, { timeout: 30_000 });
    await ask(page, 'What does bread mean?');
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].pop()?.dataset.stop, null, { timeout: 300_000 });
    await ask(page, 'And its synonyms?');
    await page.waitForFunction(() => {
      const ms = [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')];
      return ms.length === 2 && ms[1].dataset.streaming === 'false' && ms[1].dataset.stop;
    }, null, { timeout: 300_000 });
    const follow = (await lastAnswer(page).locator('.chat-text').textContent()).trim();
    t.diagnostic(`And its synonyms? → ${follow}`);
    assert.equal(await lastAnswer(page).getAttribute('data-verdict'), 'grounded');
    assert.equal(follow, 'bread (noun), synonyms: breadstuff, staff of life.');

    // an example prompt, clicked: sent and answered from the entry
    await page.locator('[data-testid=chat-new]').click();
    const example = page.locator('[data-testid=chat-examples] button').first();
    const label = (await example.textContent()).trim();
    await example.click();
    await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=chat-message][data-role=assistant]')].pop()?.dataset.stop, null, { timeout: 300_000 });
    t.diagnostic(`example "${label}" → ${(await lastAnswer(page).locator('.chat-text').textContent()).trim()}`);
    assert.equal(await lastAnswer(page).getAttribute('data-verdict'), 'grounded');
    assert.deepEqual(requests.filter((r) => new URL(r.url).origin !== new URL(page.url()).origin).map((r) => r.url), [], 'a request left the origin');
  });
});
