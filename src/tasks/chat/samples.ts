// Example questions for the Chat tab, in the phrasing the shipped model was trained on and answers correctly
// (checked with `npm run -s infer -- chat "…"`; other words and phrasings are issue 11's work).
import type { Sample } from '../../ui/Samples';
import { sendChat, whenChatReady } from './actions';

const QUESTIONS = ['What does car mean?', 'What does river mean?', 'What does music mean?'];

export const CHAT_EXAMPLES: Sample[] = QUESTIONS.map((q, i) => ({
  id: String(i + 1),
  label: q,
  about: 'Send this question',
  open: async () => {
    await whenChatReady(); // an example clicked while the model loads is sent once it is ready
    await sendChat(q);
  },
}));
