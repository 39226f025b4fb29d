// The MRI models shipped under public/models/mri/<id>/ (the view's model menu lists them). No ONNX Runtime here.
export const MRI_MODELS: { id: string; name: string }[] = [
  { id: 'dfnet', name: 'DF-Net (float32, 7.8 MB)' },
  { id: 'dfnet-int8', name: 'DF-Net, int8 weights (2.5 MB; same Dice, see its card)' },
];
