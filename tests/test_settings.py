import pytest

from extractor.errors import ConfigError
from extractor.settings import resolve


def test_no_key_and_no_base_url_means_the_embedded_model():
    s = resolve({}, {})
    assert s.provider == "embedded" and s.model == "qwen2.5-coder-1.5b-instruct" and s.response_format == "json_object"


def test_an_api_key_means_openai_with_json_schema():
    s = resolve({}, {"OPENAI_API_KEY": "sk-x"})
    assert (s.provider, s.model, s.response_format) == ("openai", "gpt-4o-mini", "json_schema")
    assert "sk-x" not in repr(s)


def test_flag_beats_environment_beats_default():
    env = {"OPENAI_BASE_URL": "http://127.0.0.1:1/v1", "EXTRACTOR_MODEL": "env-model", "EXTRACTOR_MAX_ATTEMPTS": "5"}
    s = resolve({"model": "flag-model"}, env)
    assert (
        s.provider == "openai"
        and s.model == "flag-model"
        and s.max_attempts == 5
        and s.base_url == "http://127.0.0.1:1/v1"
    )
    assert resolve({"max_attempts": 2}, env).max_attempts == 2


def test_local_model_path_names_the_model(tmp_path):
    s = resolve({}, {"EXTRACTOR_LOCAL_MODEL": str(tmp_path / "my-model.gguf")})
    assert s.provider == "embedded" and s.model == "my-model"


@pytest.mark.parametrize(
    "flags, env, message",
    [
        ({"provider": "cohere"}, {}, "unknown provider"),
        ({"provider": "openai"}, {}, "needs an API key"),
        ({}, {"EXTRACTOR_MAX_ATTEMPTS": "many"}, "must be a number"),
        ({}, {"EXTRACTOR_MAX_ATTEMPTS": "0"}, "out of range"),
        ({"response_format": "xml"}, {}, "unknown response format"),
    ],
)
def test_bad_settings_say_what_to_do(flags, env, message):
    with pytest.raises(ConfigError, match=message) as failure:
        resolve(flags, env)
    assert "hint:" in failure.value.one_line()


def test_workers_default_to_one_per_core_from_concurrency_32_and_the_embedded_model_is_one_process(monkeypatch):
    from extractor import settings as s

    monkeypatch.setattr(s, "usable_cores", lambda: 4)
    served = {"base_url": "http://127.0.0.1:9/v1"}
    assert s.resolve(served, {}).workers == 1  # concurrency 8: one process keeps up
    assert s.resolve({**served, "concurrency": 32}, {}).workers == 4
    assert s.resolve({**served, "concurrency": 32}, {"EXTRACTOR_WORKERS": "2"}).workers == 2
    assert s.resolve({**served, "workers": 3}, {}).workers == 3
    assert s.resolve({"concurrency": 64, "workers": 4}, {}).workers == 1  # the embedded model: one llama.cpp at a time
    with pytest.raises(Exception, match="workers"):
        s.resolve({**served, "workers": 0}, {})


def test_a_worker_gets_its_share_of_the_concurrency_and_the_rate_budgets():
    from extractor.runs.workers import shares
    from extractor.settings import Settings

    share = shares(Settings(concurrency=33, rpm=600, tpm=None), 2)
    assert (share.concurrency, share.rpm, share.tpm) == (17, 300, None)


def test_the_users_actor_registry_and_the_reviewer_name(tmp_path):
    from extractor.settings import default_actors_file

    s = resolve({}, {})
    assert s.actors_file == default_actors_file() and s.actors_file.name == "actors.json"
    assert s.reviewer  # the login name, or "analyst" where there is none
    s = resolve(
        {"reviewer": "  Ana   Lyst "}, {"EXTRACTOR_ACTORS": str(tmp_path / "mine.json"), "EXTRACTOR_REVIEWER": "x"}
    )
    assert s.actors_file == tmp_path / "mine.json" and s.reviewer == "Ana Lyst"
