"""Answering: the `Assistant.ask` use case (ask.py), the answer service that condenses,
retrieves, prompts and checks citations (answer.py), the Ollama chat model (llm.py)
and the prompt templates (prompts.py)."""
