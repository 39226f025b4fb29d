import type { StateCreator } from 'zustand';
import type { UserError } from '../../errors';
import { DEFAULT_PANEL_SETTINGS, type ChatPanelSettings } from './core/settings';
import type { StopReason } from './core/stopping';
import type { ChatRole } from './core/template';
import type { Grounding } from './core/grounding';
import type { ChatModelInfo } from './runner';

export type ChatStatus = 'idle' | 'loading' | 'ready' | 'generating' | 'error';

export interface TurnStats {
  tokens: number;
  promptTokens: number;
  /** Time to first token, ms (prefill included). */
  ttftMs: number;
  /** Decode speed after the first token. */
  tokensPerSecond: number;
  stopReason: StopReason;
  /** Earlier messages left out to fit the context. */
  droppedMessages: number;
}

export interface ChatEntry {
  id: number;
  role: ChatRole;
  content: string;
  /** The assistant's text is still arriving. */
  streaming?: boolean;
  stats?: TurnStats;
  /** The answer checked against the model's reference lexicon: verdict, notice, source entry. */
  grounding?: Grounding;
}

export interface ChatSlice {
  chat: {
    status: ChatStatus;
    /** The shipped model chosen in the picker, or undefined for a user's folder. */
    modelId?: string;
    model?: ChatModelInfo;
    messages: ChatEntry[];
    settings: ChatPanelSettings;
    /** The last finished turn's numbers. */
    stats?: TurnStats;
    error?: UserError;
  };
}

export const createChatSlice: StateCreator<ChatSlice> = () => ({
  chat: { status: 'idle', messages: [], settings: DEFAULT_PANEL_SETTINGS },
});
