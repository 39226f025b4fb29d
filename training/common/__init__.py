"""What the three training tasks (mri, ct, chat) share: export → parity → manifest check, model-card helpers."""
