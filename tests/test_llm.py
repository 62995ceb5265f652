"""The chat-model seam, through the real langchain-ollama client against the fake server."""

from __future__ import annotations

import asyncio
import math
import socket
import time
from collections.abc import Iterator

import httpx
import pytest
from fake_ollama import FakeOllama, running_fake_ollama
from langchain_core.messages import HumanMessage, SystemMessage
from ollama import ResponseError

from assistant.config import Settings
from assistant.errors import LLMError
from assistant.llm.ollama import (
    OllamaStatus,
    astream_chat,
    build_chat_model,
    build_ollama_embeddings,
    check_ollama,
    classify_error,
    has_model,
    keep_alive_seconds,
    stream_chat,
)

SYSTEM = "Antworte nur aus dem Kontext und zitiere mit [n]."
QUESTION = (
    "Kontext:\n"
    "[1] Reisekostenrichtlinie, § 3 (S. 2)\n"
    "Dienstreisen sind vorher schriftlich zu beantragen. Die Genehmigung erteilt die Leitung.\n"
    "[2] Dienstwagen werden über das Portal gebucht.\n\n"
    "Frage: Wie beantrage ich eine Dienstreise?"
)
EXPECTED = "Dienstreisen sind vorher schriftlich zu beantragen. [1]"


@pytest.fixture
def fake() -> Iterator[FakeOllama]:
    with running_fake_ollama() as server:
        yield server


def settings_for(url: str, **overrides: object) -> Settings:
    values: dict = {
        "ollama_base_url": url,
        "ollama_model": "llama3.1:8b",
        "ollama_embedding_model": "bge-m3",
        **overrides,
    }
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


def free_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def messages() -> list:
    return [SystemMessage(SYSTEM), HumanMessage(QUESTION)]


def raised_by(settings: Settings) -> LLMError:
    """The LLMError that streaming an answer raises."""
    with pytest.raises(LLMError) as caught:
        list(stream_chat(build_chat_model(settings), messages()))
    return caught.value


# --- chat ------------------------------------------------------------------------


def test_stream_yields_the_answer_in_several_chunks_in_order(fake: FakeOllama) -> None:
    chunks = list(stream_chat(build_chat_model(settings_for(fake.url)), messages()))

    assert chunks == [
        "Dienstreisen ",
        "sind ",
        "vorher ",
        "schriftlich ",
        "zu ",
        "beantragen. ",
        "[1]",
    ]
    assert "".join(chunks) == EXPECTED


def test_invoke_returns_full_text_and_token_counts(fake: FakeOllama) -> None:
    reply = build_chat_model(settings_for(fake.url)).invoke(messages())

    assert reply.content == EXPECTED
    assert reply.usage_metadata is not None
    assert reply.usage_metadata["output_tokens"] == 7
    assert reply.response_metadata["done_reason"] == "stop"


def test_request_carries_model_options_keep_alive_and_messages(fake: FakeOllama) -> None:
    settings = settings_for(fake.url, temperature=0.3, num_ctx=4096, keep_alive="10m")

    list(stream_chat(build_chat_model(settings), messages()))

    body = fake.last_body("/api/chat")
    assert body["model"] == "llama3.1:8b"
    assert body["stream"] is True
    assert body["options"] == {"temperature": 0.3, "num_ctx": 4096}
    assert body["keep_alive"] == "10m"
    assert body["messages"] == [
        {"role": "system", "content": SYSTEM},
        {"role": "user", "content": QUESTION},
    ]


async def _collect(settings: Settings) -> list[str]:
    return [chunk async for chunk in astream_chat(build_chat_model(settings), messages())]


def test_async_stream_yields_the_same_answer(fake: FakeOllama) -> None:
    assert "".join(asyncio.run(_collect(settings_for(fake.url)))) == EXPECTED


def test_async_stream_classifies_errors(fake: FakeOllama) -> None:
    with pytest.raises(LLMError) as caught:
        asyncio.run(_collect(settings_for(fake.url, ollama_model="llama3.1:70b")))

    assert caught.value.code == "model_missing"


def test_build_chat_model_without_model_name_says_search_mode() -> None:
    with pytest.raises(LLMError) as caught:
        build_chat_model(settings_for("http://127.0.0.1:9", ollama_model=""))

    assert caught.value.code == "not_configured"
    assert "Suchmodus" in (caught.value.hint or "")


# --- embeddings --------------------------------------------------------------------


def test_embeddings_have_the_served_dimension_and_are_deterministic(fake: FakeOllama) -> None:
    fake.embedding_dim = 32
    embeddings = build_ollama_embeddings(settings_for(fake.url))

    first, same, other = embeddings.embed_documents(
        ["Antrag auf Dienstreise", "Antrag auf Dienstreise", "Parkausweis verlängern"]
    )

    assert len(first) == 32
    assert first == same
    assert first != other
    assert math.isclose(math.fsum(x * x for x in first), 1.0)
    assert embeddings.embed_query("Antrag auf Dienstreise") == first


def test_embedding_request_names_model_and_keep_alive_in_seconds(fake: FakeOllama) -> None:
    build_ollama_embeddings(settings_for(fake.url, keep_alive="30m")).embed_query("Bauantrag")

    body = fake.last_body("/api/embed")
    assert (body["model"], body["input"], body["keep_alive"]) == ("bge-m3", ["Bauantrag"], 1800)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("30m", 1800),
        ("1h30m", 5400),
        ("45s", 45),
        ("300", 300),
        ("-1", -1),
        ("0", 0),
        ("bald", None),
        ("", None),
    ],
)
def test_keep_alive_seconds(value: str, seconds: int | None) -> None:
    assert keep_alive_seconds(value) == seconds


# --- check_ollama ------------------------------------------------------------------


def test_check_reachable_with_models(fake: FakeOllama) -> None:
    status = check_ollama(settings_for(fake.url))

    assert status == OllamaStatus(
        reachable=True,
        version=fake.version,
        models=["llama3.1:8b", "bge-m3:latest"],
        model_present=True,
        embedding_model_present=True,
    )
    assert [r.path for r in fake.requests] == ["/api/version", "/api/tags"]


def test_check_reachable_without_the_chat_model_hints_the_pull(fake: FakeOllama) -> None:
    fake.models = ["mistral:7b"]

    status = check_ollama(settings_for(fake.url))

    assert status.reachable and not status.model_present
    assert "„llama3.1:8b“" in (status.problem or "")
    assert "`ollama pull llama3.1:8b`" in (status.hint or "")


def test_check_names_a_missing_embedding_model_only_when_it_is_used(fake: FakeOllama) -> None:
    fake.models = ["llama3.1:8b"]

    onnx = check_ollama(settings_for(fake.url, embedding_backend="onnx"))
    ollama = check_ollama(settings_for(fake.url, embedding_backend="ollama"))

    assert onnx.problem is None and not onnx.embedding_model_present
    assert "`ollama pull bge-m3`" in (ollama.hint or "")
    assert "llama3.1" not in (ollama.hint or "")


def test_check_unreachable_returns_quickly_with_a_hint() -> None:
    settings = settings_for(f"http://127.0.0.1:{free_port()}", connect_timeout_s=1.0)

    started = time.monotonic()
    status = check_ollama(settings)

    assert time.monotonic() - started < settings.connect_timeout_s + 1
    assert not status.reachable and status.models == [] and not status.model_present
    assert "nicht erreichbar" in (status.problem or "")
    assert "ollama serve" in (status.hint or "")


def test_check_gives_up_on_a_server_that_hangs(fake: FakeOllama) -> None:
    fake.delay = 3.0

    started = time.monotonic()
    status = check_ollama(settings_for(fake.url), timeout=0.3)

    assert time.monotonic() - started < 2.0
    assert not status.reachable
    assert "nicht rechtzeitig" in (status.problem or "")


def test_check_hides_credentials_of_the_base_url() -> None:
    url = f"http://amt:geheim@127.0.0.1:{free_port()}"

    status = check_ollama(settings_for(url), timeout=0.5)

    assert "127.0.0.1" in (status.problem or "")
    assert "geheim" not in f"{status.problem} {status.hint}"


@pytest.mark.parametrize(
    ("installed", "wanted", "present"),
    [
        (["llama3.1:latest"], "llama3.1", True),
        (["llama3.1"], "llama3.1:latest", True),
        (["llama3.1:latest"], "llama3.1:8b", False),
        (["llama3.1:8b"], "llama3.1", False),
        (["registry.ollama.ai/library/bge-m3:latest"], "bge-m3", True),
        (["Llama3.1:8B"], "llama3.1:8b", True),
        (["myhost:5000/team/m"], "myhost:5000/team/m:latest", True),
    ],
)
def test_model_names_match_with_the_implicit_latest_tag(
    installed: list[str], wanted: str, present: bool
) -> None:
    assert has_model(installed, wanted) is present


# --- classify_error, with what the real client raises ----------------------------


def test_connection_refused_is_unreachable() -> None:
    error = raised_by(settings_for(f"http://127.0.0.1:{free_port()}"))

    assert error.code == "unreachable"
    assert "nicht erreichbar" in error.message and "ollama serve" in (error.hint or "")


def test_connection_refused_for_embeddings_is_unreachable() -> None:
    embeddings = build_ollama_embeddings(settings_for(f"http://127.0.0.1:{free_port()}"))
    with pytest.raises(ConnectionError) as caught:  # the ollama client's own wrapper
        embeddings.embed_query("Bauantrag")

    assert classify_error(caught.value).code == "unreachable"


def test_missing_model_names_the_pull_command(fake: FakeOllama) -> None:
    error = raised_by(settings_for(fake.url, ollama_model="llama3.1:70b"))

    assert error.code == "model_missing"
    assert "„llama3.1:70b“" in error.message
    assert error.hint == "Auf dem Ollama-Server ausführen: `ollama pull llama3.1:70b`"


def test_server_error_reports_the_status_but_not_the_server_text(fake: FakeOllama) -> None:
    fake.fail_next(500, "template failed near 'Wie beantrage ich eine Dienstreise'")

    error = raised_by(settings_for(fake.url))

    assert error.code == "server"
    assert "HTTP 500" in error.message
    assert "Dienstreise" not in str(error) and "template" not in str(error)


def test_slow_first_token_beyond_the_client_timeout_is_a_timeout(fake: FakeOllama) -> None:
    fake.first_token_delay = 3.0
    settings = settings_for(fake.url, llm_first_token_timeout_s=0.3)

    started = time.monotonic()
    error = raised_by(settings)

    assert time.monotonic() - started < 2.0
    assert error.code == "timeout"
    assert "nicht rechtzeitig" in error.message


def test_slow_tokens_within_the_timeout_are_not_an_error(fake: FakeOllama) -> None:
    fake.first_token_delay, fake.token_delay = 0.2, 0.1
    settings = settings_for(fake.url, llm_first_token_timeout_s=1.0)

    chunks = list(stream_chat(build_chat_model(settings), messages()))

    assert "".join(chunks) == EXPECTED


def test_server_stopped_mid_stream_keeps_the_chunks_and_raises(fake: FakeOllama) -> None:
    fake.token_delay = 0.2
    stream = stream_chat(build_chat_model(settings_for(fake.url)), messages())
    assert next(stream) == "Dienstreisen "

    fake.stop()
    with pytest.raises(LLMError) as caught:
        next(stream)

    assert caught.value.code == "unreachable"
    assert "abgebrochen" in caught.value.message


def test_error_reported_inside_the_stream_is_a_server_error(fake: FakeOllama) -> None:
    fake.fail_mid_stream("model runner has unexpectedly stopped", after=2)
    stream = stream_chat(build_chat_model(settings_for(fake.url)), messages())
    assert [next(stream), next(stream)] == ["Dienstreisen ", "sind "]

    with pytest.raises(LLMError) as caught:
        next(stream)

    assert caught.value.code == "server"
    assert "runner" not in str(caught.value)


def test_server_comes_back_after_a_restart(fake: FakeOllama) -> None:
    model = build_chat_model(settings_for(fake.url))
    fake.stop()
    assert raised_by(settings_for(fake.url)).code == "unreachable"

    fake.start()

    assert "".join(stream_chat(model, messages())) == EXPECTED


def _request() -> httpx.Request:
    return httpx.Request("POST", "http://ollama/api/chat")


@pytest.mark.parametrize(
    ("exc", "code", "in_hint"),
    [
        (
            ResponseError('{"error":"model \\"x:1b\\" not found, try pulling it first"}', 404),
            "model_missing",
            "ollama pull x:1b",
        ),
        (ResponseError("404 page not found", 404), "server", "ASSISTANT_OLLAMA_BASE_URL"),
        (
            ResponseError("server busy, please try again.  maximum pending requests exceeded", 503),
            "server",
            "ausgelastet",
        ),
        (
            ResponseError("model requires more system memory (9.1 GiB) than is available", 500),
            "server",
            "Arbeitsspeicher",
        ),
        (httpx.ConnectTimeout("timed out", request=_request()), "unreachable", "ollama serve"),
        (
            httpx.ReadTimeout("timed out", request=_request()),
            "timeout",
            "ASSISTANT_LLM_FIRST_TOKEN_TIMEOUT_S",
        ),
        (httpx.RemoteProtocolError("peer closed", request=_request()), "unreachable", "erneut"),
        (ConnectionRefusedError(111, "refused"), "unreachable", "ollama serve"),
        (ValueError("No data received from Ollama stream."), "server", "ASSISTANT_OLLAMA_BASE_URL"),
        (RuntimeError("unexpected"), "server", "Anwendungsprotokoll"),
    ],
)
def test_classify_error_table(exc: BaseException, code: str, in_hint: str) -> None:
    error = classify_error(exc)

    assert (error.code, isinstance(error, LLMError)) == (code, True)
    assert in_hint in (error.hint or "")
    assert "Traceback" not in str(error)


def test_classify_error_passes_an_llm_error_through() -> None:
    original = LLMError("schon klar", code="timeout")

    assert classify_error(original) is original
