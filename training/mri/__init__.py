"""Cardiac MRI: DF-Net short-axis segmentation trained on synthetic phantoms (see training/README.md)."""
