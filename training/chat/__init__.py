"""Loupe chat: a miniature Pangu-style decoder (RMSNorm, RoPE, SwiGLU, GQA, DSSN, TinyInit), its byte-level BPE,
ONNX export with the standard decoder-with-past signature, and the tiny random test fixture."""
