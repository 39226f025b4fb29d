// `npm run -s infer -- chat "question" …`: one chat turn with the studio's chat core on the Node runtime.
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { configureNodeRuntime, diskSource, MODELS_DIR } from '../src/runtime/node';
import { chatTurn, DEFAULT_CHAT_SETTINGS, type ChatSettings } from '../src/tasks/chat/core/chat';
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
  configureNodeRuntime();
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
    const result = await chatTurn(lm, tokenizer, messages, settings, { eosTokenIds: info.eosTokenIds, maxPositions: info.contextLength }, stream ? (e) => e.delta && process.stdout.write(e.delta) : undefined);
    if (stream) process.stdout.write('\n');
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
        })}\n`,
      );
    }
    return 0;
  } finally {
    await lm.release();
  }
}
