import { describe, expect, it } from 'vitest';
import { chatSettingsFrom, DEFAULT_PANEL_SETTINGS, withSystemPrompt } from './settings';

describe('settings panel', () => {
  it('greedy unless sampling is chosen; values clamped; stop sequences one per line', () => {
    expect(chatSettingsFrom(DEFAULT_PANEL_SETTINGS)).toEqual({ maxNewTokens: 128, repetitionPenalty: 1, stopSequences: [], sampling: undefined });
    const s = chatSettingsFrom({ ...DEFAULT_PANEL_SETTINGS, mode: 'sample', temperature: 0, topK: 3.6, topP: 2, seed: -4, maxNewTokens: NaN, stopSequences: '\\nUser:\n\nEND' });
    expect(s).toEqual({ maxNewTokens: 128, repetitionPenalty: 1, stopSequences: ['\nUser:', 'END'], sampling: { temperature: 0.01, topK: 4, topP: 1, seed: 0 } });
    expect(withSystemPrompt('  Be brief. ', [{ role: 'user', content: 'Hi' }])).toEqual([
      { role: 'system', content: 'Be brief.' },
      { role: 'user', content: 'Hi' },
    ]);
    expect(withSystemPrompt(' ', [])).toEqual([]);
  });
});
