// The chat view's settings panel → the core's ChatSettings (pure, light: the page imports it).
import type { ChatSettings } from './chat';
import type { ChatMessage } from './template';

/** The settings panel's state: every field kept (sampling values stay while greedy is chosen). */
export interface ChatPanelSettings {
  mode: 'greedy' | 'sample';
  temperature: number;
  topK: number;
  topP: number;
  seed: number;
  repetitionPenalty: number;
  maxNewTokens: number;
  systemPrompt: string;
  /** One stop sequence per line; `\n` written as the two characters backslash-n means a newline. */
  stopSequences: string;
}

export const DEFAULT_PANEL_SETTINGS: ChatPanelSettings = {
  mode: 'greedy',
  temperature: 0.8,
  topK: 40,
  topP: 0.95,
  seed: 0,
  repetitionPenalty: 1,
  maxNewTokens: 128,
  systemPrompt: '',
  stopSequences: '',
};

/** Panel → core settings, clamped to valid values (a half-typed number never reaches the processors). */
export function chatSettingsFrom(panel: ChatPanelSettings): ChatSettings {
  const finite = (v: number, fallback: number) => (Number.isFinite(v) ? v : fallback);
  return {
    maxNewTokens: Math.max(1, Math.round(finite(panel.maxNewTokens, 128))),
    repetitionPenalty: Math.max(0.01, finite(panel.repetitionPenalty, 1)),
    stopSequences: panel.stopSequences
      .split('\n')
      .map((s) => s.replace(/\\n/g, '\n'))
      .filter((s) => s.length > 0),
    sampling:
      panel.mode === 'sample'
        ? {
            temperature: Math.max(0.01, finite(panel.temperature, 1)),
            topK: Math.max(0, Math.round(finite(panel.topK, 0))),
            topP: Math.min(1, Math.max(0.01, finite(panel.topP, 1))),
            seed: Math.max(0, Math.round(finite(panel.seed, 0))) >>> 0,
          }
        : undefined,
  };
}

/** The history the model sees: the system prompt (when set) then the turns. */
export function withSystemPrompt(systemPrompt: string, turns: readonly ChatMessage[]): ChatMessage[] {
  return systemPrompt.trim() ? [{ role: 'system', content: systemPrompt.trim() }, ...turns] : [...turns];
}
