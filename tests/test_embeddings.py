"""The embedded ONNX embedder: offline, deterministic, meaningful."""

from __future__ import annotations

import numpy as np

from assistant.retrieval.embeddings import OnnxMiniLMEmbeddings


def test_onnx_embeddings_offline_and_sound(no_network):
    emb = OnnxMiniLMEmbeddings()
    docs = emb.embed_documents(
        [
            "Business trips must be approved in advance by your supervisor.",
            "The dog must be kept on a leash.",
            "",
            "Reisekosten " * 400,  # longer than the model's window: truncated, not an error
        ]
    )
    query = np.array(emb.embed_query("How do I get a business trip approved?"))
    matrix = np.array(docs)
    assert matrix.shape == (4, 384)
    assert np.allclose(np.linalg.norm(matrix[[0, 1, 3]], axis=1), 1.0, atol=1e-4)
    assert matrix[0] @ query > matrix[1] @ query + 0.2  # related beats unrelated
    assert np.allclose(emb.embed_documents(["The dog must be kept on a leash."])[0], matrix[1])
    assert np.allclose(emb.embed_query("The dog must be kept on a leash."), matrix[1], atol=1e-5)
