"""The paper catalogue: schema, line-aware loading and validation of `papers.yaml`.

    >>> from tools.catalogue import load_catalogue
    >>> catalogue = load_catalogue("papers.yaml")   # raises CatalogueError with file:line:col messages

Importing this package does not import torch.
"""

from __future__ import annotations

from pathlib import Path

from .errors import CatalogueError, Problem
from .schema import Catalogue, Claim, ModelRef, Paper, json_schema
from .tags import ALLOWED_TAGS
from .validate import load_catalogue

REPO_ROOT = Path(__file__).resolve().parents[2]
DEFAULT_CATALOGUE = REPO_ROOT / "papers.yaml"
SCHEMA_FILE = Path(__file__).resolve().parent / "papers.schema.json"

__all__ = [
    "ALLOWED_TAGS",
    "DEFAULT_CATALOGUE",
    "REPO_ROOT",
    "SCHEMA_FILE",
    "Catalogue",
    "CatalogueError",
    "Claim",
    "ModelRef",
    "Paper",
    "Problem",
    "json_schema",
    "load_catalogue",
]
