// `npm run -s infer -- chat "question" …`: one chat turn with the studio's chat core on the Node runtime.
import { existsSync, statSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { configureNodeRuntime, diskSource, MODELS_DIR } from '../src/runtime/node';
import { DEFAULT_CHAT_SETTINGS, type ChatSettings } from '../src/tasks/chat/core/chat';
import { groundedChatTurn } from '../src/tasks/chat/core/grounded';
import type { Grounding } from '../src/tasks/chat/core/grounding';
import type { Lexicon } from '../src/tasks/chat/core/lexicon';
import { readLexicon, type Retrieval } from '../src/tasks/chat/retrieval';
import type { ChatMessage } from '../src/tasks/chat/core/template';
import { CHAT_DEFAULT_MODEL, CHAT_MODELS } from '../src/tasks/chat/models';
import { openWarmChatModel } from '../src/tasks/chat/runner';
import { UsageError, parse } from './args';

export const CHAT_USAGE = `npm run -s infer -- chat "question" [--model <folder|id>] [--system "…"] [--max-tokens N] [--json]
      [--temperature T] [--top-k K] [--top-p P] [--seed S] [--repetition-penalty R] [--stop "…"]…
  Greedy unless a sampling flag (--temperature, --top-k, --top-p, --seed) is given.`;

/** The model folder for `--model`: a path, or the id of a model shipped under public/models/chat/. */
export function chatModelDir(model: string | undefined): string {
  if (!model) return join(MODELS_DIR, 'chat', CHAT_DEFAULT_MODEL);
  if (existsSync(model) && statSync(model).isDirectory()) return resolve(model);
  if (CHAT_MODELS.some((m) => m.id === model)) return join(MODELS_DIR, 'chat', model);
  throw new UsageError(`--model ${model}: no such folder, and not a shipped model (${CHAT_MODELS.map((m) => m.id).join(', ')}).`);
}

function number(name: string, value: string | undefined, check: (n: number) => boolean, what: string): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || !check(n)) throw new UsageError(`--${name} ${value}: expected ${what}.`);
  return n;
}

const lexicons = new Map<string, Promise<Lexicon>>();

/** The lexicon a model's manifest names under `retrieval`, from public/models on disk (size and SHA-256 checked), once per process. */
export function diskLexicon(retrieval: Retrieval): Promise<Lexicon> {
  let lex = lexicons.get(retrieval.lexicon);
  if (!lex) {
    const dir = join(MODELS_DIR, ...retrieval.lexicon.split('/'));
    lex = readLexicon(async (path) => new Uint8Array(await readFile(join(dir, path))), dir);
    lexicons.set(retrieval.lexicon, lex);
  }
  return lex;
}

/** The verdict as text after a streamed answer: the notice, and the source entry when the answer was withheld or refused. */
function groundingText(g: Grounding, answer: string): string {
  const lines: string[] = [];
  if (g.withheld) lines.push(`[withheld: ${answer.trim()}]`);
  if (g.notice) lines.push(g.notice);
  if (g.source && (g.withheld || g.verdict === 'refused')) {
    lines.push(`Source: ${g.source.name}`);
    for (const e of g.source.entries) for (const p of e.parts) for (const s of p.senses) lines.push(`  ${e.word} (${p.pos}) ${s.n}. ${s.definition}`);
  }
  return lines.length ? lines.join('\n') + '\n' : '';
}

const round = (n: number, digits = 1) => Math.round(n * 10 ** digits) / 10 ** digits;

export async function chatMain(args: string[]): Promise<number> {
  const { values, positionals } = parse(args, {
    json: { type: 'boolean', default: false },
    model: { type: 'string' },
    system: { type: 'string' },
    'max-tokens': { type: 'string' },
    temperature: { type: 'string' },
    'top-k': { type: 'string' },
    'top-p': { type: 'string' },
    seed: { type: 'string' },
    'repetition-penalty': { type: 'string' },
    stop: { type: 'string', multiple: true },
  });
  if (positionals.length !== 1 || !positionals[0].trim()) throw new UsageError('give exactly one question (quote it).');
  const maxNewTokens = number('max-tokens', values['max-tokens'], (n) => Number.isInteger(n) && n > 0, 'a whole number > 0');
  const temperature = number('temperature', values.temperature, (n) => n > 0, 'a number > 0');
  const topK = number('top-k', values['top-k'], (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0 (0 = off)');
  const topP = number('top-p', values['top-p'], (n) => n > 0 && n <= 1, 'a number in (0, 1]');
  const seed = number('seed', values.seed, (n) => Number.isInteger(n) && n >= 0, 'a whole number ≥ 0');
  const repetitionPenalty = number('repetition-penalty', values['repetition-penalty'], (n) => n > 0, 'a number > 0 (1 = off)') ?? 1;

  const dir = chatModelDir(values.model);
  await configureNodeRuntime();
  const folder = await diskSource(dir);
  const { lm, tokenizer, info } = await openWarmChatModel(folder, { ep: 'wasm', id: folder.manifest?.id ?? 'folder', name: folder.manifest?.name ?? dir, source: folder.manifest ? 'shipped' : 'folder', manifest: folder.manifest });
  try {
    const sampled = [temperature, topK, topP, seed].some((v) => v !== undefined);
    const d = info.defaults;
    const settings: ChatSettings = {
      ...DEFAULT_CHAT_SETTINGS,
      maxNewTokens: maxNewTokens ?? d.maxNewTokens ?? DEFAULT_CHAT_SETTINGS.maxNewTokens,
      repetitionPenalty,
      stopSequences: values.stop ?? [],
      sampling: sampled ? { temperature: temperature ?? d.temperature ?? 1, topK: topK ?? d.topK ?? 50, topP: topP ?? d.topP ?? 1, seed: seed ?? Math.floor(Math.random() * 2 ** 31) } : undefined,
    };
    const messages: ChatMessage[] = [...(values.system ? [{ role: 'system' as const, content: values.system }] : []), { role: 'user', content: positionals[0] }];
    const stream = !values.json;
    const ground = info.retrieval ? { lex: await diskLexicon(info.retrieval), use: info.retrieval.use } : undefined;
    const result = await groundedChatTurn(lm, tokenizer, messages, settings, { eosTokenIds: info.eosTokenIds, maxPositions: info.contextLength }, ground, stream ? (e) => e.delta && process.stdout.write(e.delta) : undefined);
    if (stream) process.stdout.write('\n' + (result.grounding ? groundingText(result.grounding, result.text) : ''));
    else {
      process.stdout.write(
        `${JSON.stringify({
          model: info.name,
          answer: result.text,
          tokens: result.tokens.length,
          tokenIds: result.tokens,
          promptTokens: result.promptTokens,
          stopReason: result.stopReason,
          ttftMs: round(result.ttftMs),
          tokensPerSecond: round(result.tokensPerSecond),
          totalMs: round(result.totalMs),
          decoding: settings.sampling ? { sampling: true, ...settings.sampling, repetitionPenalty } : { sampling: false, repetitionPenalty },
          ...(result.grounding
            ? { verdict: result.grounding.verdict, withheld: result.grounding.withheld, notice: result.grounding.notice ?? null, answeredAbout: result.grounding.answeredAbout ?? null, source: result.grounding.source ?? null, context: result.context ?? null }
            : {}),
        })}\n`,
      );
    }
    return 0;
  } finally {
    await lm.release();
  }
}
