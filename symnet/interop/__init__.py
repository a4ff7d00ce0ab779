"""The user's own things: their PyTorch and ONNX models and gradients, checked by symnet."""
