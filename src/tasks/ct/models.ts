// The chest CT models shipped under public/models/ct/<id>/ (the view's model menu lists them). No ONNX Runtime here.
export const CT_MODELS: { id: string; name: string }[] = [
  { id: 'ucadi-densenet', name: 'UCADI 3D DenseNet (float32, 2.9 MB)' },
  { id: 'ucadi-densenet-int8', name: 'UCADI 3D DenseNet, int8 weights (0.8 MB; same probabilities ±0.002, see its card)' },
];
