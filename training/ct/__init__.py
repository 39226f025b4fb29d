"""Chest CT: the UCADI 3D DenseNet, federated over simulated hospitals (see ct/README.md)."""
