"""The chat-model seam: Ollama through langchain-ollama (`ollama.py`: chat model,
embeddings, reachability, German errors, stream timeouts) and a pool of Ollama servers
(`pool.py`: least-busy routing, health, one retry on another server)."""
