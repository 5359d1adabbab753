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
    assert s.provider == "openai" and s.model == "flag-model" and s.max_attempts == 5 and s.base_url == "http://127.0.0.1:1/v1"
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
