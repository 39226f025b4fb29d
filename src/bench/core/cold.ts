// Cold-start results (from the probe page) → report rows; shared by the panel and scripts/bench.mjs. Pure.
import { ratio, type Row } from './report';
import { spread } from './stats';

export const COLD_TASKS = ['face', 'mri', 'ct', 'chat'] as const;
export type ColdTask = (typeof COLD_TASKS)[number];

export function isColdTask(v: unknown): v is ColdTask {
  return (COLD_TASKS as readonly unknown[]).includes(v);
}

/** The question the chat probe sends (the default chat model answers it greedily in about 28 tokens). */
export const COLD_CHAT_QUESTION = 'What does car mean?';

/** What the probe opens for each task and what counts as its first result. */
export function coldMeasure(task: ColdTask): string {
  if (task === 'face') return 'faces: a photo, navigation → first result';
  if (task === 'mri') return 'MRI: a 10-slice volume, navigation → first result';
  if (task === 'ct') return 'CT: a 16×128×128 HU volume, navigation → first classification';
  return `chat: ${JSON.stringify(COLD_CHAT_QUESTION)} to the default model, navigation → first answer token`;
}

export interface ColdResult {
  task: ColdTask;
  ok: boolean;
  error?: string;
  /** performance.now() when the first result (chat: the first answer text) was in the store: ms since navigation start. */
  firstResultMs: number;
  domContentLoadedMs: number;
  /** How each runtime/model file was obtained: "cached" (Cache Storage) or "download". */
  files: Record<string, 'cached' | 'download'>;
}

/** Rows for one task from first and later visits paired by repetition. */
export function coldRows(task: ColdTask, first: readonly ColdResult[], later: readonly ColdResult[], firstLabel: string): Row[] {
  const f = first.map((r) => r.firstResultMs);
  const l = later.map((r) => r.firstResultMs);
  const from = (rs: readonly ColdResult[]) => {
    const seen = new Map<string, Set<string>>();
    for (const r of rs) for (const [file, how] of Object.entries(r.files)) seen.set(file, (seen.get(file) ?? new Set()).add(how));
    return [...seen].map(([file, how]) => `${file}: ${[...how].join('/')}`).join(', ');
  };
  return [
    {
      measure: coldMeasure(task),
      a: { label: firstLabel, unit: 'ms', value: spread(f) },
      b: { label: 'later visit', unit: 'ms', value: spread(l) },
      ratio: ratio('later ÷ first visit (< 1: the cache helps)', l, f),
    },
    { measure: `${task}: how files arrived, first visit`, note: from(first) || 'none reported' },
    { measure: `${task}: how files arrived, later visit`, note: from(later) || 'none reported' },
  ];
}
