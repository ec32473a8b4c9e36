"""The allowed tags: the one place they are listed. A paper may only use these."""

from __future__ import annotations

# tag -> one-line description shown on the tags page
ALLOWED_TAGS: dict[str, str] = {
    "attention": "Attention mechanisms: channel attention, spatial or self-attention.",
    "backbone": "A general-purpose feature extractor for classification and downstream tasks.",
    "classification": "Image classification results (ImageNet, CIFAR).",
    "convolution-design": "A new kind of convolution or kernel arrangement.",
    "dataset-bias": "Bias, fairness or coverage of datasets and deployed systems.",
    "detection": "Object detection results or methods.",
    "efficiency": "Parameter, compute or latency efficiency.",
    "mobile": "Models designed for phones and other small devices.",
    "multi-scale": "Multi-scale feature representation.",
    "nas": "Neural architecture search.",
    "scaling": "How to scale depth, width or resolution.",
    "segmentation": "Semantic or instance segmentation.",
    "empirical-study": "An analysis or benchmark rather than a new model.",
    "baseline": "A model that later papers compare against.",
    "residual": "Residual connections and their variants.",
}
