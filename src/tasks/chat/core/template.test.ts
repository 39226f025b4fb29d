import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FALLBACK_CHAT_TEMPLATE, chatTemplateOf, fitHistory, renderChat, tokenString, type ChatMessage } from './template';
import { loadChatTokenizer } from './tokenizer';

const TINY = join(import.meta.dirname, '../../../../public/models/chat/tiny-random');
const json = (f: string) => JSON.parse(readFileSync(join(TINY, f), 'utf8'));
const tokenizerConfig = json('tokenizer_config.json');
const reference = json('reference.json');

const TWO_TURNS: ChatMessage[] = [
  { role: 'user', content: 'Hi' },
  { role: 'assistant', content: 'Hello.' },
  { role: 'user', content: 'Bye' },
];

describe('chat template', () => {
  it('renders a 2-turn history with the shipped template (same string as Python/Jinja2)', () => {
    const template = chatTemplateOf(tokenizerConfig)!;
    expect(renderChat(template, TWO_TURNS, { bosToken: '<|endoftext|>', eosToken: '<|end|>' })).toBe(
      '<|endoftext|><|user|>\nHi<|end|>\n<|assistant|>\nHello.<|end|>\n<|user|>\nBye<|end|>\n<|assistant|>\n',
    );
    expect(renderChat(template, TWO_TURNS, { bosToken: '<|endoftext|>', addGenerationPrompt: false }).endsWith('Bye<|end|>\n')).toBe(true);
    expect(renderChat(template, reference.messages, { bosToken: '<|endoftext|>' })).toBe(reference.prompt);
  });

  it("the template's raise_exception becomes a coded error", () => {
    expect(() => renderChat(chatTemplateOf(tokenizerConfig)!, [{ role: 'tool' as 'user', content: 'x' }])).toThrow(/Only system, user and assistant/);
  });

  it('picks the default of named templates; reads token strings in both forms', () => {
    expect(chatTemplateOf({ chat_template: [{ name: 'tool_use', template: 'A' }, { name: 'default', template: 'B' }] })).toBe('B');
    expect(chatTemplateOf({})).toBeUndefined();
    expect(tokenString('<s>')).toBe('<s>');
    expect(tokenString({ content: '</s>', special: true })).toBe('</s>');
  });

  it('falls back to User:/Assistant: turns without a template', () => {
    expect(renderChat(FALLBACK_CHAT_TEMPLATE, [{ role: 'system', content: 'Be brief.' }, ...TWO_TURNS], { bosToken: '<s>', eosToken: '</s>' })).toBe(
      '<s>Be brief.\n\nUser: Hi\nAssistant: Hello.</s>\nUser: Bye\nAssistant:',
    );
  });

  it('drops the oldest exchanges (keeping the system message) to fit the budget', () => {
    const history: ChatMessage[] = [{ role: 'system', content: 's' }, ...TWO_TURNS, { role: 'assistant', content: 'Ciao' }, { role: 'user', content: 'Again' }];
    const count = (m: readonly ChatMessage[]) => m.reduce((n, x) => n + x.content.length + 2, 0);
    expect(count(history)).toBe(33);
    expect(fitHistory(history, count, 100)).toEqual(history);
    expect(fitHistory(history, count, 21).map((m) => m.content)).toEqual(['s', 'Bye', 'Ciao', 'Again']);
    expect(fitHistory(history, count, 10).map((m) => m.content)).toEqual(['s', 'Again']);
    expect(fitHistory(history, count, 20).map((m) => m.content)).toEqual(['s', 'Again']);
    expect(() => fitHistory(history, count, 9)).toThrow(/context/);
  });
});

describe('tokenizer (tokenizer.json trained in Python)', () => {
  const tok = loadChatTokenizer(json('tokenizer.json'), tokenizerConfig);

  it('encodes the chat prompt to the ids Python computed', () => {
    expect(tok.encodeChat(reference.messages)).toEqual(reference.promptIds);
    expect(tok.hasChatTemplate).toBe(true);
    expect(tok.eosTokenIds).toEqual([tok.tokenId('<|end|>')]);
  });

  it("gives Python's ids on pre-tokenizer edge cases and WordNet glosses", () => {
    expect(tok.encode(reference.tokenizerCheck.text)).toEqual(reference.tokenizerCheck.ids);
    expect(tok.decode(reference.tokenizerCheck.ids)).toBe(reference.tokenizerCheck.text.replace('<|user|>', '').replace('<|end|>', ''));
  });
});
