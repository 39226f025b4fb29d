import { useEffect, useRef, useState } from 'react';
import { useStore } from '../../../app/store';
import { ErrorBanner } from '../../../ui/ErrorBanner';
import { DropSection, FileButton } from '../../../ui/files';
import { chooseChatModel, dismissChatError, loadChatFolder, newChat, prepareChat, sendChat, setChatSettings, stopChat } from '../actions';
import type { Grounding } from '../core/grounding';
import type { StopReason } from '../core/stopping';
import { CHAT_MODELS } from '../models';
import { ModelMenu } from '../../../ui/ModelMenu';
import './chat.css';
import { Samples } from '../../../ui/Samples';
import { CHAT_EXAMPLES } from '../samples';

const STOP_LABEL: Record<StopReason, string> = {
  eos: 'end of answer',
  'max-tokens': 'token limit',
  'stop-sequence': 'stop sequence',
  'context-full': 'context full',
  aborted: 'stopped',
};

const FOLDER = '__folder__';

/** The WordNet entry of the word asked, shown apart from the model's answer (never as if the model said it). */
function Source({ grounding }: { grounding: Grounding }) {
  const { source, verdict, withheld } = grounding;
  if (!source) return null;
  const open = withheld || verdict === 'refused';
  return (
    <details className="chat-source" data-testid="chat-source" open={open}>
      <summary>
        Source: {source.name}
        {verdict === 'grounded' && <span className="muted"> · the answer is about the word asked</span>}
      </summary>
      {source.entries.map((e) => (
        <div key={e.word} className="chat-source-entry">
          <p className="chat-source-word">
            <strong>{e.word}</strong>
            {e.inflectedFrom && <span className="muted"> (asked as “{e.inflectedFrom}”)</span>}
          </p>
          {e.parts.map((p) => (
            <div key={p.pos} className="chat-source-part">
              <span className="chat-source-pos">{p.pos}</span>
              <ol>
                {p.senses.map((s) => (
                  <li key={s.n} value={s.n}>
                    {s.definition}
                    {s.synonyms.length > 0 && <span className="muted"> · synonyms: {s.synonyms.join(', ')}</span>}
                    {s.examples.length > 0 && <span className="muted"> · “{s.examples[0]}”</span>}
                  </li>
                ))}
              </ol>
            </div>
          ))}
        </div>
      ))}
    </details>
  );
}

function NumberField({ label, value, step, min, max, onChange, disabled }: { label: string; value: number; step: number; min?: number; max?: number; onChange: (v: number) => void; disabled?: boolean }) {
  return (
    <label>
      {label}
      <input type="number" value={value} step={step} min={min} max={max} disabled={disabled} onChange={(e) => onChange(e.target.valueAsNumber)} />
    </label>
  );
}

export function ChatView() {
  const chat = useStore((s) => s.chat);
  const backend = useStore((s) => s.backend);
  const [draft, setDraft] = useState('');
  const list = useRef<HTMLDivElement>(null);
  const { model, settings, status, stats } = chat;
  const generating = status === 'generating';
  const sampling = settings.mode === 'sample';

  useEffect(() => {
    void prepareChat();
  }, []);

  useEffect(() => {
    list.current?.scrollTo({ top: list.current.scrollHeight });
  }, [chat.messages]);

  const send = () => {
    if (!draft.trim() || generating) return;
    void sendChat(draft);
    setDraft('');
  };

  return (
    <DropSection testid="chat-view" onFiles={(files) => void loadChatFolder(files)}>
      <header className="task-header">
        <h1>Chat</h1>
        <p data-testid="chat-purpose">Ask about any English word: meanings, synonyms, opposites, examples.</p>
        {!model || model.retrieval?.use === 'context' ? (
          <p className="muted">
            A small dictionary model answers in this tab, one token at a time, from the WordNet 3.0 entry of the word you ask about: the entry is looked up here (plurals, other forms
            and near spellings included) and given to the model with your question. Its answer is checked against that entry before it is shown, and the entry is shown under the
            answer as its source.
          </p>
        ) : model.retrieval ? (
          <p className="muted">
            A small dictionary model answers in this tab, one token at a time. It knows only common words (about 1,500), and its answers are checked against WordNet 3.0: an answer about a
            different word, or one WordNet does not support, is hidden, and the WordNet entry of the word you asked is shown instead.
          </p>
        ) : (
          <p className="muted" data-testid="chat-unchecked">
            This model runs in this tab, one token at a time. Its folder names no reference to check answers against, so they are shown as they are.
          </p>
        )}
      </header>
      {model?.intendedUse &&
        (/random/i.test(model.intendedUse) ? (
          <p className="warning" data-testid="chat-intended-use">
            <strong>Test fixture.</strong> {model.name} has random weights: its answers are gibberish by design.
          </p>
        ) : (
          <p className="warning" data-testid="chat-intended-use">
            <strong>Intended use:</strong> {model.intendedUse.charAt(0).toUpperCase() + model.intendedUse.slice(1)}
          </p>
        ))}
      <div className="toolbar">
        <Samples samples={CHAT_EXAMPLES} testid="chat-examples" />
        <ModelMenu
          models={CHAT_MODELS}
          testid="chat-model"
          value={chat.modelId ?? FOLDER}
          disabled={status === 'loading'}
          extra={chat.modelId ? undefined : { id: FOLDER, name: `${model?.name ?? 'Model folder'} (your folder)` }}
          onChoose={(id) => void chooseChatModel(id)}
        />
        <FileButton
          label="Load a model folder…"
          testid="chat-folder"
          directory
          title="A folder with config.json, tokenizer.json, tokenizer_config.json and a decoder-with-past .onnx (plus its .onnx_data if it has one). You can also drop it here."
          onFiles={(files) => void loadChatFolder(files)}
        />
        <button type="button" data-testid="chat-new" onClick={() => void newChat()}>
          New chat
        </button>
        {status === 'loading' && <span className="muted">Loading the model…</span>}
      </div>
      {model && (
        <p className="muted chat-model-info" data-testid="chat-model-info" data-ep={model.ep}>
          {model.name}: {model.layers} layers · {model.heads} query / {model.kvHeads} KV heads · vocabulary {model.vocabSize.toLocaleString()} · context {model.contextLength} ·{' '}
          {(model.bytes / 1024 ** 2).toFixed(1)} MB · {model.ep === 'webgpu' ? `WebGPU${backend?.adapter ? ` (${backend.adapter})` : ''}, cache on the GPU` : `WASM, ${backend?.threads ?? 1} thread(s)`}
          {model.notes.map((n) => (
            <span key={n} className="chat-note">
              {' '}
              {n}
            </span>
          ))}
        </p>
      )}
      <ErrorBanner error={chat.error} onDismiss={dismissChatError} />

      <details className="chat-settings" data-testid="chat-settings">
        <summary>Settings: {sampling ? `sampling (T ${settings.temperature}, top-k ${settings.topK}, top-p ${settings.topP}, seed ${settings.seed})` : 'greedy'} · up to {settings.maxNewTokens} tokens</summary>
        <div className="chat-settings-grid">
          <fieldset>
            <legend>Decoding</legend>
            <label>
              <input type="radio" name="chat-mode" data-testid="chat-greedy" checked={!sampling} onChange={() => setChatSettings({ mode: 'greedy' })} /> Greedy
            </label>
            <label>
              <input type="radio" name="chat-mode" data-testid="chat-sample" checked={sampling} onChange={() => setChatSettings({ mode: 'sample' })} /> Sampling
            </label>
          </fieldset>
          <NumberField label="Temperature" value={settings.temperature} step={0.05} min={0.01} disabled={!sampling} onChange={(temperature) => setChatSettings({ temperature })} />
          <NumberField label="Top-k (0 = off)" value={settings.topK} step={1} min={0} disabled={!sampling} onChange={(topK) => setChatSettings({ topK })} />
          <NumberField label="Top-p" value={settings.topP} step={0.01} min={0.01} max={1} disabled={!sampling} onChange={(topP) => setChatSettings({ topP })} />
          <NumberField label="Seed" value={settings.seed} step={1} min={0} disabled={!sampling} onChange={(seed) => setChatSettings({ seed })} />
          <NumberField label="Repetition penalty (1 = off)" value={settings.repetitionPenalty} step={0.05} min={0.01} onChange={(repetitionPenalty) => setChatSettings({ repetitionPenalty })} />
          <NumberField label="Max new tokens" value={settings.maxNewTokens} step={16} min={1} onChange={(maxNewTokens) => setChatSettings({ maxNewTokens })} />
          <label className="wide">
            System prompt{model?.retrieval?.use === 'context' && <span className="muted"> (not used by this model: its system message is the WordNet entry)</span>}
            <textarea rows={2} value={settings.systemPrompt} onChange={(e) => setChatSettings({ systemPrompt: e.target.value })} />
          </label>
          <label className="wide">
            Stop sequences (one per line, \n for a newline)
            <textarea rows={2} value={settings.stopSequences} onChange={(e) => setChatSettings({ stopSequences: e.target.value })} />
          </label>
        </div>
      </details>

      <div className="chat-messages" ref={list} data-testid="chat-messages" aria-live="polite">
        {chat.messages.length === 0 && <p className="muted">Ask about a word, e.g. “What does river mean?”, or pick an example above. Everything runs in this browser tab: nothing is uploaded.</p>}
        {chat.messages.map((m) => (
          <div
            key={m.id}
            className={`chat-message ${m.role}${m.streaming ? ' streaming' : ''}${m.grounding?.withheld ? ' withheld' : ''}`}
            data-testid="chat-message"
            data-role={m.role}
            data-streaming={m.streaming ? 'true' : 'false'}
            data-tokens={m.stats?.tokens}
            data-stop={m.stats?.stopReason}
            data-verdict={m.grounding?.verdict}
          >
            <div className="chat-role">{m.role === 'user' ? 'You' : 'Assistant'}</div>
            {m.grounding?.withheld ? (
              <p className="chat-notice withheld" data-testid="chat-notice" role="note">
                {m.grounding.notice}
              </p>
            ) : (
              <>
                <div className="chat-text">{m.content || (m.streaming ? '…' : <span className="muted">(no text)</span>)}</div>
                {m.grounding?.notice && (
                  <p className="chat-notice" data-testid="chat-notice" role="note">
                    {m.grounding.notice}
                  </p>
                )}
              </>
            )}
            {m.grounding && <Source grounding={m.grounding} />}
            {m.stats && (
              <div className="muted chat-turn-stats">
                {m.stats.tokens} tokens · {m.grounding?.withheld && m.stats.stopReason === 'aborted' ? 'stopped at the headword' : STOP_LABEL[m.stats.stopReason]}
                {m.stats.droppedMessages > 0 ? ` · ${m.stats.droppedMessages} earlier message(s) left out to fit the context` : ''}
              </div>
            )}
          </div>
        ))}
      </div>

      <p className="muted chat-stats" data-testid="chat-stats" data-ttft-ms={stats ? stats.ttftMs.toFixed(1) : ''} data-tps={stats ? stats.tokensPerSecond.toFixed(2) : ''}>
        {stats ? `Time to first token ${stats.ttftMs.toFixed(0)} ms (prompt ${stats.promptTokens} tokens) · ${stats.tokensPerSecond.toFixed(1)} tokens/s` : 'Time to first token and tokens/s appear after an answer.'}
      </p>

      <form
        className="chat-input-row"
        onSubmit={(e) => {
          e.preventDefault();
          send();
        }}
      >
        <textarea
          data-testid="chat-input"
          rows={2}
          value={draft}
          placeholder="Message (Enter to send, Shift+Enter for a new line)"
          onChange={(e) => setDraft(e.target.value)}
          onKeyDown={(e) => {
            if (e.key === 'Enter' && !e.shiftKey && !e.nativeEvent.isComposing) {
              e.preventDefault();
              send();
            }
          }}
        />
        <button type="submit" data-testid="chat-send" disabled={generating || !draft.trim() || status === 'loading'}>
          Send
        </button>
        <button type="button" data-testid="chat-stop" disabled={!generating} onClick={() => stopChat()}>
          Stop
        </button>
      </form>
    </DropSection>
  );
}
