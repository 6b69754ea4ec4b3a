"""lrplot: see exactly what a PyTorch learning-rate scheduler does before you train."""

__version__ = "0.1.0"
