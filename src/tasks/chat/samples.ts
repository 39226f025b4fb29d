// Example questions for the Chat tab: one of each kind the grounded default model answers from the WordNet entry
// (checked with `npm run -s infer -- chat "…"` and in tests/e2e/chat.test.mjs).
import type { Sample } from '../../ui/Samples';
import { sendChat, whenChatReady } from './actions';

const QUESTIONS = ['What does bread mean?', "What's another word for car?", "What's the opposite of hot?", 'Use river in a sentence.', 'What kinds of dog are there?'];

export const CHAT_EXAMPLES: Sample[] = QUESTIONS.map((q, i) => ({
  id: String(i + 1),
  label: q,
  about: 'Send this question',
  open: async () => {
    await whenChatReady(); // an example clicked while the model loads is sent once it is ready
    await sendChat(q);
  },
}));
