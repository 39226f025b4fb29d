// Chat: the shipped default chat model through our chat worker (as the Chat view uses it) against Hugging Face
// Transformers.js running the same ONNX model folder in its own worker: same prompt ids, greedy, WASM, 1 thread.
import type { ChatSettings } from '../../tasks/chat/core/chat';
import type { ChatMessage } from '../../tasks/chat/core/template';
import { CHAT_DEFAULT_MODEL } from '../../tasks/chat/models';
import type { ChatWorkerApi } from '../../../workers/chat.worker';
import { fmtNumber } from '../core/format';
import { ratio, type Row } from '../core/report';
import { spread } from '../core/stats';
import { compareTokens, describeAgreements, tokenTiming, workerBytes, type TokenMark, type TokenTiming } from '../core/tokens';
import { availableModel, measureMemory } from '../env';
import { loadTransformersPeer, PEERS_BUILT, PEERS_MISSING } from '../peers/load';
import type { TransformersPeerApi } from '../peers/transformers.worker';
import { Comlink, startChatWorker, type RuntimeChoice, type Started } from '../workers';
import { interleaved, ortBuild, skipped, type ItemContext, type ItemOutcome } from './context';

/** The question both sides answer (one user turn through the model's chat template). */
export const CHAT_BENCH_MESSAGES: ChatMessage[] = [{ role: 'user', content: 'What does the word "lantern" mean?' }];

/** New tokens per answer: a few in a quick run (every code path once), enough for a decode rate otherwise. */
export function chatBenchTokens(quick: boolean): number {
  return quick ? 4 : 48;
}

/** Greedy decoding of `chatBenchTokens(quick)` new tokens, no repetition penalty, no stop sequences. */
export function chatBenchSettings(quick: boolean): ChatSettings {
  return { maxNewTokens: chatBenchTokens(quick), repetitionPenalty: 1, stopSequences: [] };
}

export interface Answer {
  timing: TokenTiming;
  tokens: number[];
}

/**
 * Waits (a few macrotasks, at most `ms`) until the marks reach `count`: token callbacks travel on their own port, so
 * the last may land just after the answer. Ours reports only tokens that add text (not a closing end-of-sequence
 * token), so its marks may never reach the count: hence the short limit.
 */
async function marksUpTo(marks: TokenMark[], count: number, ms = 100): Promise<void> {
  const until = performance.now() + ms;
  while ((marks.at(-1)?.count ?? 0) < count && performance.now() < until) await new Promise((r) => setTimeout(r, 0));
}

/**
 * One answer from our chat worker, as the Chat view asks for it (a new chat first, so nothing is cached). With `ground`
 * the grounded path runs: lookup, context block, and the answer check that holds text back until its headword is judged.
 */
export async function answerOurs(llm: Started<ChatWorkerApi>, messages: ChatMessage[], settings: ChatSettings, ground = false): Promise<Answer> {
  await llm.api.newChat();
  const marks: TokenMark[] = [];
  const start = performance.now();
  const result = await llm.api.run(messages, settings, Comlink.proxy((_delta: string, count: number) => void marks.push({ count, t: performance.now() })), { ground });
  await marksUpTo(marks, result.tokens.length);
  // Our worker reports text as it becomes showable (a held-back partial character comes with the next token): the
  // first at once, then one report per frame carrying every token since; with no text at all (only special tokens)
  // the worker's own clock is the only one.
  const timing = marks.some((m) => m.count > 0)
    ? tokenTiming(start, marks)
    : { tokens: result.tokens.length, ttftMs: result.ttftMs, decodeTokensPerSecond: result.tokensPerSecond || NaN, totalMs: result.totalMs };
  return { timing, tokens: result.tokens };
}

/** Decode tokens/s of each answer (NaN where an answer had fewer than 2 tokens after the first report). */
export function decodeRates(answers: readonly Answer[]): number[] {
  return answers.map((x) => x.timing.decodeTokensPerSecond);
}

/** Time to first token of each answer, ms. */
export function ttfts(answers: readonly Answer[]): number[] {
  return answers.map((x) => x.timing.ttftMs);
}

/** Our chat worker with its own runtime settings, the default chat model loaded (as the Chat view loads it). */
export async function startOurChat(ctx: ItemContext, choice: RuntimeChoice): Promise<Started<ChatWorkerApi> & Awaited<ReturnType<ChatWorkerApi['load']>>> {
  const llm = ctx.pool.track(await startChatWorker(choice));
  const loaded = await llm.api.load(CHAT_DEFAULT_MODEL);
  return { ...llm, ...loaded };
}

/** One answer from Transformers.js in its worker, from the same prompt ids. */
export async function answerPeer(peer: { api: Comlink.Remote<TransformersPeerApi> }, promptIds: number[], maxNewTokens: number, eosTokenIds: number[]): Promise<Answer> {
  const marks: TokenMark[] = [];
  const start = performance.now();
  const tokens = await peer.api.generate(promptIds, maxNewTokens, eosTokenIds, Comlink.proxy((count: number) => void marks.push({ count, t: performance.now() })));
  await marksUpTo(marks, tokens.length);
  return { timing: tokenTiming(start, marks), tokens };
}

const MiB = 2 ** 20;

export async function chatVsTransformers(ctx: ItemContext): Promise<ItemOutcome> {
  if (!PEERS_BUILT) return skipped(PEERS_MISSING);
  const id = CHAT_DEFAULT_MODEL;
  const available = await availableModel('chat', id);
  if (!available.ok) return skipped(available.reason);
  const settings = chatBenchSettings(ctx.settings.quick);
  const maxNewTokens = settings.maxNewTokens;
  ctx.progress(`starting our chat worker and Transformers.js (WASM, 1 thread each), model ${id}`);
  const { PEER_WORKER_URL_PART, startTransformersPeer } = await loadTransformersPeer();
  const ours = ctx.pool.track(await startChatWorker({ preference: 'wasm', threads: 1 }));
  const { info } = await ours.api.load(id);
  const peer = ctx.pool.track(await startTransformersPeer(id, 1));
  // A model that reads the WordNet entry runs the studio's grounded path; the peer gets the same prompt, context included.
  const ground = info.retrieval?.use === 'context';
  const promptMessages = ground ? await ours.api.promptFor(CHAT_BENCH_MESSAGES) : CHAT_BENCH_MESSAGES;
  const promptIds = await peer.api.promptIds(promptMessages);
  const eos = info.eosTokenIds;
  if (!ctx.settings.quick) {
    ctx.progress('warm-up answer on each side');
    await answerOurs(ours, CHAT_BENCH_MESSAGES, settings, ground);
    await answerPeer(peer, promptIds, maxNewTokens, eos);
  }
  const { a, b } = await interleaved(ctx, 'ours vs Transformers.js, one answer each', () => answerOurs(ours, CHAT_BENCH_MESSAGES, settings, ground), () => answerPeer(peer, promptIds, maxNewTokens, eos));
  // The grounded path shows text only once the answer's headword is judged (a few tokens in): the same prompt ids
  // without the check, interleaved with the peer again, give the time to the first generated token on both sides.
  const unheld = ground
    ? await interleaved(ctx, 'ours without the answer check (same prompt ids) vs Transformers.js', () => answerOurs(ours, promptMessages, settings, false), () => answerPeer(peer, promptIds, maxNewTokens, eos))
    : undefined;
  ctx.progress('memory of the two workers');
  const memory = await measureMemory(ctx.settings.quick ? 5_000 : 30_000);

  const ttft = ttfts;
  const total = (s: Answer[]) => s.map((x) => x.timing.totalMs);
  const rate = decodeRates;
  const agreements = a.map((x, i) => compareTokens(x.tokens, b[i].tokens));
  const rows: Row[] = [
    {
      measure: ground ? 'time to first shown text (lookup, context block, prefill, and the steps until the headword is judged; main-thread clock)' : 'time to first token (prefill + first step, main-thread clock)',
      a: { label: 'ours', unit: 'ms', value: spread(ttft(a)) },
      b: { label: 'Transformers.js', unit: 'ms', value: spread(ttft(b)) },
      ratio: ratio('ours ÷ Transformers.js (< 1: ours faster)', ttft(a), ttft(b)),
    },
  ];
  if (unheld) {
    rows.push({
      measure: 'time to first token, the same prompt ids (context block included) without the answer check (prefill + first step)',
      a: { label: 'ours', unit: 'ms', value: spread(ttft(unheld.a)) },
      b: { label: 'Transformers.js', unit: 'ms', value: spread(ttft(unheld.b)) },
      ratio: ratio('ours ÷ Transformers.js (< 1: ours faster)', ttft(unheld.a), ttft(unheld.b)),
    });
  }
  if ([...rate(a), ...rate(b)].every(Number.isFinite)) {
    rows.push({
      measure: 'decode tokens/s (after the first token)',
      a: { label: 'ours', unit: 'tok/s', value: spread(rate(a)) },
      b: { label: 'Transformers.js', unit: 'tok/s', value: spread(rate(b)) },
      ratio: ratio('ours ÷ Transformers.js tokens/s (> 1: ours faster)', rate(a), rate(b)),
    });
  } else {
    rows.push({ measure: 'decode tokens/s (after the first token)', note: 'not measured: an answer had fewer than 2 tokens' });
  }
  rows.push(
    {
      measure: 'whole answer (request → last token)',
      a: { label: 'ours', unit: 'ms', value: spread(total(a)) },
      b: { label: 'Transformers.js', unit: 'ms', value: spread(total(b)) },
      ratio: ratio('ours ÷ Transformers.js (< 1: ours faster)', total(a), total(b)),
    },
    {
      measure: 'generated tokens, ours vs Transformers.js',
      note: describeAgreements(agreements, 'ours', 'Transformers.js'),
    },
  );
  if ('unavailable' in memory) {
    rows.push({ measure: 'memory (peak)', note: `n/a: ${memory.unavailable}` });
  } else {
    const oursBytes = workerBytes(memory.breakdown, 'chat.worker');
    const peerBytes = workerBytes(memory.breakdown, PEER_WORKER_URL_PART);
    rows.push({
      measure: 'memory of each worker after the answers (peak: n/a)',
      note:
        oursBytes && peerBytes
          ? `ours ${fmtNumber(oursBytes / MiB)} MiB, Transformers.js ${fmtNumber(peerBytes / MiB)} MiB (ratio ${fmtNumber(oursBytes / peerBytes)}×; measureUserAgentSpecificMemory, one measurement)`
          : `n/a: measureUserAgentSpecificMemory attributed ours ${oursBytes} B, Transformers.js ${peerBytes} B`,
    });
  }
  return {
    status: 'ok',
    reps: a.length,
    rows,
    facts: {
      model: `${info.name} (${id}, the default chat model): ${info.modelType}, ${info.layers} layers, ${fmtNumber(info.bytes / MiB)} MiB ONNX, fp32`,
      ours: `${ortBuild(await ctx.ort(), 1)}, our chat worker (KV cache kept in ONNX Runtime, a new chat per answer)`,
      'Transformers.js': `@huggingface/transformers ${peer.info.transformers} with its own onnxruntime-web ${peer.info.ort} (${peer.info.wasmFiles})`,
      'Transformers.js setup': `WASM, 1 thread, fp32, in its own worker, local files only (the same model folder; model.onnx via subfolder '')`,
      prompt: `${promptIds.length} tokens (our chat template; the same ids on both sides; ours templates and tokenizes inside its timed request, Transformers.js gets the ids): ${JSON.stringify(CHAT_BENCH_MESSAGES[0].content)}${ground ? ' with the WordNet context block (ours looks it up, builds it and checks the answer inside its timed request: the grounded path of the Chat view)' : ''}`,
      decoding: `greedy, at most ${maxNewTokens} new tokens, no repetition penalty, stop at token ids [${eos.join(', ')}]`,
      clock: 'the page’s: from the request to each token’s report arriving from the worker',
    },
  };
}
