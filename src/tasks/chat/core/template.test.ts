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
    const calls: number[] = [];
    // a stand-in encoding: one id per character plus two per message
    const encode = (m: readonly ChatMessage[]) => {
      const ids = m.flatMap((x) => [0, ...Array.from(x.content, (c) => c.charCodeAt(0)), 0]);
      calls.push(ids.length);
      return ids;
    };
    expect(encode(history)).toHaveLength(33);
    expect(fitHistory(history, encode, 100)).toEqual({ messages: history, ids: encode(history) });
    const fitted = fitHistory(history, encode, 21);
    expect(fitted.messages.map((m) => m.content)).toEqual(['s', 'Bye', 'Ciao', 'Again']);
    expect(fitted.ids).toEqual(encode(fitted.messages)); // the ids of what was kept, ready to run
    expect(fitHistory(history, encode, 10).messages.map((m) => m.content)).toEqual(['s', 'Again']);
    expect(fitHistory(history, encode, 20).messages.map((m) => m.content)).toEqual(['s', 'Again']);
    expect(() => fitHistory(history, encode, 9)).toThrow(/context/);
    calls.length = 0;
    fitHistory(history, encode, 100);
    expect(calls).toEqual([33]); // a prompt that fits is encoded once
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
