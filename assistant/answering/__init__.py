"""Answering: the `Assistant.ask` use case (ask.py), the answer service that condenses,
retrieves, prompts and checks citations (answer.py), and the prompt templates
(prompts.py). The chat model itself comes through the Ollama seam (assistant/llm/)."""
