"""The fake Ollama server speaks Ollama's API and answers from the prompt."""

from __future__ import annotations

import json
from collections.abc import Iterator

import httpx
import ollama
import pytest
from fake_ollama import (
    NO_CONTEXT_ANSWER,
    FakeOllama,
    answer_for,
    first_sentence,
    parse_context,
    running_fake_ollama,
)


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with running_fake_ollama() as server:
        yield server


@pytest.fixture
def http(fake: FakeOllama) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=fake.url, timeout=5) as client:
        yield client


def chat(content: str, system: str | None = None) -> dict:
    messages = [{"role": "system", "content": system}] if system else []
    return {"model": "llama3.1:8b", "messages": [*messages, {"role": "user", "content": content}]}


# --- protocol ----------------------------------------------------------------------


def test_root_version_and_unknown_path(http: httpx.Client, fake: FakeOllama) -> None:
    assert http.get("/").text == "Ollama is running"
    assert http.get("/api/version").json() == {"version": fake.version}
    assert (http.get("/api/nope").status_code, http.get("/api/nope").text) == (
        404,
        "404 page not found",
    )


def test_tags_and_show_parse_in_the_real_client(fake: FakeOllama) -> None:
    fake.models = ["llama3.1:8b", "bge-m3"]
    client = ollama.Client(host=fake.url)

    assert [m.model for m in client.list().models] == ["llama3.1:8b", "bge-m3:latest"]
    assert client.show("llama3.1:8b").capabilities == ["completion", "tools"]
    assert client.show("bge-m3").capabilities == ["embedding"]
    with pytest.raises(ollama.ResponseError) as caught:
        client.show("mistral")
    assert (caught.value.status_code, caught.value.error) == (404, "model 'mistral' not found")


def test_chat_streams_ndjson_ending_with_done_and_stats(http: httpx.Client) -> None:
    with http.stream("POST", "/api/chat", json=chat("[1] Das Amt öffnet um acht. Sonst nie.")) as r:
        assert r.headers["content-type"] == "application/x-ndjson"
        assert r.headers["transfer-encoding"] == "chunked"
        lines = [json.loads(line) for line in r.iter_lines()]

    *parts, last = lines
    assert "".join(p["message"]["content"] for p in parts) == "Das Amt öffnet um acht. [1]"
    assert all(p["done"] is False and p["message"]["role"] == "assistant" for p in parts)
    assert (last["done"], last["done_reason"], last["message"]["content"]) == (True, "stop", "")
    assert last["eval_count"] == len(parts) and last["prompt_eval_count"] == 8
    assert last["total_duration"] > 0 and last["model"] == "llama3.1:8b"


def test_chat_without_stream_returns_one_object(http: httpx.Client) -> None:
    reply = http.post("/api/chat", json={**chat("Hallo"), "stream": False})

    body = reply.json()
    assert reply.headers["content-type"].startswith("application/json")
    assert body["message"] == {"role": "assistant", "content": NO_CONTEXT_ANSWER}
    assert body["done"] is True and body["eval_count"] == 6


@pytest.mark.parametrize(
    ("body", "status", "error"),
    [
        (
            {"model": "mistral", "messages": []},
            404,
            'model "mistral" not found, try pulling it first',
        ),
        ({"messages": []}, 400, "model is required"),
    ],
)
def test_chat_errors_as_ollama(http: httpx.Client, body: dict, status: int, error: str) -> None:
    reply = http.post("/api/chat", json=body)

    assert (reply.status_code, reply.json()) == (status, {"error": error})


def test_embed_accepts_a_string_or_a_list_and_truncates_dimensions(http: httpx.Client) -> None:
    one = http.post("/api/embed", json={"model": "bge-m3", "input": "Bauantrag"}).json()
    two = http.post("/api/embed", json={"model": "bge-m3", "input": ["Bauantrag", "x"]}).json()
    short = http.post("/api/embed", json={"model": "bge-m3", "input": "a b", "dimensions": 8})

    assert len(one["embeddings"]) == 1 and len(two["embeddings"]) == 2
    assert one["embeddings"][0] == two["embeddings"][0]
    assert len(short.json()["embeddings"][0]) == 8
    assert abs(sum(x * x for x in short.json()["embeddings"][0]) - 1) < 1e-9


def test_embed_unknown_model_is_404(http: httpx.Client) -> None:
    reply = http.post("/api/embed", json={"model": "nomic-embed-text", "input": "x"})

    assert reply.status_code == 404
    assert reply.json()["error"] == 'model "nomic-embed-text" not found, try pulling it first'


# --- knobs -------------------------------------------------------------------------


def test_fail_next_hits_only_the_next_requests_to_its_path(
    http: httpx.Client, fake: FakeOllama
) -> None:
    fake.fail_next(503, "server busy", times=2, path="/api/tags")

    statuses = [http.get("/api/tags").status_code for _ in range(3)]

    assert statuses == [503, 503, 200]
    assert http.get("/api/version").status_code == 200
    assert fake.requests_to("/api/tags")[0].method == "GET"


def test_records_every_request_body(http: httpx.Client, fake: FakeOllama) -> None:
    http.post("/api/chat", json={**chat("Hallo"), "stream": False, "keep_alive": "5m"})

    assert fake.last_body("/api/chat")["keep_alive"] == "5m"
    assert [r.path for r in fake.requests] == ["/api/chat"]
    fake.reset()
    assert fake.requests == []


@pytest.mark.parametrize(
    "answer", ["Laut Richtlinie gilt das [9].", lambda messages: "Ohne Beleg."]
)
def test_answer_can_be_overridden(http: httpx.Client, fake: FakeOllama, answer: object) -> None:
    fake.answer = answer  # type: ignore[assignment]

    reply = http.post("/api/chat", json={**chat("[1] Text."), "stream": False}).json()

    expected = answer if isinstance(answer, str) else "Ohne Beleg."
    assert reply["message"]["content"] == expected


def test_restart_keeps_the_port_and_the_records(fake: FakeOllama) -> None:
    port = fake.port
    httpx.get(f"{fake.url}/api/version")

    fake.stop()
    with pytest.raises(httpx.ConnectError):
        httpx.get(f"{fake.url}/api/version")
    fake.start()

    assert fake.port == port and fake.running
    assert httpx.get(f"{fake.url}/api/version").status_code == 200
    assert len(fake.requests_to("/api/version")) == 2


# --- the answer derived from the prompt -----------------------------------------------


@pytest.mark.parametrize(
    ("prompt", "items"),
    [
        ("[1] Eins.\n[2] Zwei.", {1: "Eins.", 2: "Zwei."}),
        (
            "Kontext:\n  **[1]** Eins.\n- [2]: Zwei.\n> [3]) Drei.",
            {1: "Eins.", 2: "Zwei.", 3: "Drei."},
        ),
        ("Siehe [1] im Text.", {}),
        ("", {}),
    ],
)
def test_parse_context_is_tolerant(prompt: str, items: dict[int, str]) -> None:
    assert parse_context(prompt) == items


@pytest.mark.parametrize(
    ("text", "sentence"),
    [
        (
            "Anträge sind z. B. schriftlich einzureichen. Danach nicht.",
            "Anträge sind z. B. schriftlich einzureichen.",
        ),
        (
            "Es gilt § 3 Abs. 2 Nr. 1 der Satzung. Mehr nicht.",
            "Es gilt § 3 Abs. 2 Nr. 1 der Satzung.",
        ),
        ("Frist bis 1. Januar. Dann nicht.", "Frist bis 1. Januar."),
        ("Ohne Punkt", "Ohne Punkt"),
    ],
)
def test_first_sentence_knows_german_abbreviations(text: str, sentence: str) -> None:
    assert first_sentence(text) == sentence


def test_answer_cites_the_first_item_and_skips_its_header_line() -> None:
    prompt = (
        "[1] Reisekostenrichtlinie, § 3 (S. 2)\nDienstreisen sind zu beantragen. Sonst nicht.\n"
    )

    assert answer_for(chat(prompt)["messages"]) == "Dienstreisen sind zu beantragen. [1]"
    assert answer_for(chat("Wie spät ist es?")["messages"]) == NO_CONTEXT_ANSWER


@pytest.mark.parametrize(
    "messages",
    [
        [
            {"role": "system", "content": "Formuliere die Folgefrage als eigenständige Frage."},
            {"role": "user", "content": "Wie beantrage ich eine Dienstreise?"},
            {"role": "assistant", "content": "Schriftlich [1]."},
            {"role": "user", "content": "Und wer genehmigt sie?"},
        ],
        [
            {
                "role": "user",
                "content": "Schreibe die Folgefrage als eigenständige Frage.\n"
                "Verlauf:\nNutzer: Wie beantrage ich eine Dienstreise?\nAssistent: Schriftlich.\n"
                "Folgefrage: Und wer genehmigt sie?",
            }
        ],
    ],
)
def test_condensation_adds_the_topic_of_the_history(messages: list[dict]) -> None:
    assert answer_for(messages) == "Und wer genehmigt sie (zum Thema Dienstreise)?"


def test_condensation_keeps_a_question_that_names_its_topic() -> None:
    messages = [
        {"role": "system", "content": "Rewrite the follow-up as a standalone question."},
        {"role": "user", "content": "Wie beantrage ich eine Dienstreise?"},
        {"role": "user", "content": "Wer genehmigt die Dienstreise?"},
    ]

    assert answer_for(messages) == "Wer genehmigt die Dienstreise?"
