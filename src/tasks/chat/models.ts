// The chat models shipped under public/models/chat/<id>/ (the picker lists them). No ONNX Runtime here: the page
// imports this, the worker runs the models.
export const CHAT_MODELS: { id: string; name: string }[] = [
  { id: 'wordnet-grounded', name: 'WordNet dictionary assistant, grounded: answers from the entry (DSSN, 2.2M)' },
  { id: 'wordnet-dssn', name: 'WordNet dictionary assistant, memorised: 1,500 words (DSSN, 2.2M)' },
  { id: 'wordnet-dssn-int8', name: 'WordNet dictionary assistant, memorised: 1,500 words (DSSN, 2.2M, int8 weights: 2.4 MB)' },
  { id: 'tiny-random', name: 'Tiny random (test fixture)' },
];
export const CHAT_DEFAULT_MODEL = CHAT_MODELS[0].id;
